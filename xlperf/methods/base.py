"""What every scoring method shares: inputs, parameter helpers and the registry.

A method is one class in one module of this package. From its parameters it declares the inputs it
needs and builds one expression tree (``xlperf.expr``); the engine evaluates that tree, the template
generator compiles it to a native Excel formula and the xlwings UDFs call the engine. Adding a method is
adding one module with one class decorated by ``@register``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from xlperf.errors import XlperfError
from xlperf.expr import Env, Expr, Var
from xlperf.rounding import excel_round, format_number, format_percent
from xlperf.values import parse_value

INPUT_KINDS = ("number", "percent", "money", "count", "score", "choice", "yesno", "text")
#: kinds whose cells hold numbers (``score``: a score the evaluator types, bounded to [0, 分值])
NUMERIC_INPUT_KINDS = frozenset({"number", "percent", "money", "count", "score"})
YES, NO = "是", "否"


class MethodError(XlperfError, ValueError):
    """Bad method parameters; the message is shown to rubric authors as is."""


@dataclass(frozen=True)
class Note:
    """An observation a method makes about entered values (becomes a finding at ``input_key``'s cell)."""

    severity: str
    message: str
    code: str = "method_note"
    input_key: str | None = None


@dataclass(frozen=True)
class InputSpec:
    """One value an evaluator enters for an indicator."""

    key: str
    label: str
    kind: str = "number"
    unit: str = ""
    choices: tuple[str, ...] = ()
    default: float | str | None = None

    @property
    def required(self) -> bool:
        """An input without a default must be filled before the indicator can be scored."""
        return self.default is None

    @property
    def numeric(self) -> bool:
        """True for kinds whose values are numbers."""
        return self.kind in NUMERIC_INPUT_KINDS


@dataclass
class ScoringMethod:
    """Base class: parse ``params`` for an indicator worth ``points``; ``prefix`` namespaces input keys."""

    params: Mapping[str, Any]
    points: float
    prefix: str = ""
    label_hint: str = ""
    _inputs: list[InputSpec] = field(default_factory=list, init=False, repr=False)

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()

    # -- what the method is: every other layer asks these instead of comparing names ---------------
    #: the evaluator types the score (bounded to [0, points]); a typed score outside it is a finding
    evaluator_entered: ClassVar[bool] = False
    #: compares a target (年度指标值) with an actual (实际完成值): one target/actual row on self-evaluation
    #: forms, unit and missed-target checks, a 偏差原因 expected when the target is missed
    target_vs_actual: ClassVar[bool] = False
    #: measures spending against the money available (see :meth:`spending`): 执行率 and over-spending
    measures_spending: ClassVar[bool] = False
    #: scores a measured quantity, so a qualitative (text) target cannot be scored by it
    numeric: ClassVar[bool] = False
    #: the parameter a bare 参数 cell sets (``分档计分`` + ``[90%,100%]:6``)
    main_param: ClassVar[str | None] = None
    #: the parameter read from the 评分标准 text when it is not given (checklist items, levels)
    rule_param: ClassVar[str | None] = None
    #: numbered parts of a 评分标准 that each read as this method make one rule of it, not a composite
    #: of parts (扣分 items: one 扣完为止 deduction)
    parts_merge: ClassVar[bool] = False

    def __post_init__(self) -> None:
        self.params = dict(self.params or {})
        self.setup()
        keys = self.spending()
        known = {spec.key for spec in self._inputs}
        if keys is not None and not set(keys) <= known:
            raise MethodError(f"参数 spending 应指明本指标的两个输入项（可用：{'、'.join(sorted(known))}），"
                              f"得到 {self.params.get('spending')!r}")

    @classmethod
    def top_points(cls, params: Mapping[str, Any]) -> float | None:
        """The most the method gives by its own parameters, whatever the indicator's points (a tier
        table's top band, the top level); None when the indicator's points decide it. A 评分标准 part that
        states no points of its own is worth this much."""
        return None

    # -- to implement -------------------------------------------------------------------------------
    def setup(self) -> None:
        """Parse and validate parameters, declare inputs with :meth:`add_input`."""

    def expression(self) -> Expr:  # pragma: no cover - abstract
        """The raw score before it is bounded to [0, points] and rounded."""
        raise NotImplementedError

    def tree(self) -> Expr:
        """The expression, built once per method object (parameters never change after setup)."""
        cached = self.__dict__.get("_tree")
        if cached is None:
            cached = self.__dict__["_tree"] = self.expression()
        return cached

    def explain(self, env: Env, score: float) -> str:  # pragma: no cover - abstract
        """One Chinese line saying how ``score`` was computed from the values in ``env``."""
        raise NotImplementedError

    def notes(self, env: Env) -> list[Note]:
        """Extra observations as (severity, message). Severity: error/warning/info. The base class reports
        over-spending for methods that measure spending: the one place that message is worded."""
        keys = self.spending()
        rate = self.spending_rate(env)
        if keys is None or rate is None or rate <= 1 + 1e-12:
            return []
        labels = {s.key: s.label for s in self.inputs()}
        available, spent = float(env[keys[0]]), float(env[keys[1]])  # type: ignore[arg-type]
        return [Note("warning", f"{labels[keys[1]]} {format_number(spent, 6)} 超过{labels[keys[0]]} "
                                f"{format_number(available, 6)}（执行率 {format_percent(rate)}），存在超支",
                     "over_spending", keys[1])]

    def describe(self) -> str:
        """A short description for ``xlperf rubric show``."""
        return self.label

    def authoring_notes(self) -> list[str]:
        """What a rubric author should look at in these parameters (``rubric check`` warns with them)."""
        return []

    def example(self) -> dict[str, Any]:
        """Plausible entered values (unprefixed keys) for samples and the demo: targets met, judgments a
        little below full points, the first choice of yes/no questions and the middle of graded levels."""
        out: dict[str, Any] = {}
        specs = self.inputs()
        for i, spec in enumerate(specs):
            key = spec.key[len(self.prefix):]
            if spec.kind == "score":
                out[key] = excel_round(self.points * 0.9, 1)
            elif spec.choices:
                out[key] = spec.choices[1] if spec.kind == "choice" and len(spec.choices) > 1 else (
                    spec.choices[0] if i < len(specs) - 1 or len(specs) == 1 else spec.choices[-1])
                if key.endswith("veto"):
                    out[key] = NO
            elif spec.kind == "percent":
                out[key] = 0.96
            elif spec.kind == "count":
                out[key] = 1 if i == 0 else 0
            elif spec.kind == "money":
                out[key] = 100.0 - 3 * i
            else:
                out[key] = 9.0
        return out

    def spending(self) -> tuple[str, str] | None:
        """For methods that measure spending: the input keys of (money available, money spent).

        Any method can be told so by its ``spending`` parameter (``{available: received, spent: spent}``),
        e.g. a tier rule over 实际支出资金 ÷ 实际到位资金; the over-spending finding then follows."""
        declared = self.params.get("spending")
        if isinstance(declared, Mapping) and declared.get("available") and declared.get("spent"):
            return self.prefix + str(declared["available"]), self.prefix + str(declared["spent"])
        return None

    def spending_rate(self, env: Env) -> float | None:
        """Money spent ÷ money available for methods that measure spending (None when not computable):
        the one 执行率 that checks, collection and the summary show."""
        keys = self.spending()
        if keys is None:
            return None
        available, spent = env.get(keys[0]), env.get(keys[1])
        if not isinstance(available, int | float) or not isinstance(spent, int | float) or available <= 0:
            return None
        return float(spent) / float(available)

    # -- helpers ------------------------------------------------------------------------------------
    def add_input(self, key: str, label: str, kind: str = "number", *, unit: str = "",
                  choices: Sequence[str] = (), default: float | str | None = None) -> Var:
        """Declare an input and return the variable that reads it."""
        if kind not in INPUT_KINDS:
            raise MethodError(f"输入类型 {kind} 未知，可用：{'、'.join(INPUT_KINDS)}")
        spec = InputSpec(self.prefix + key, label, kind, unit, tuple(choices), default)
        if any(i.key == spec.key for i in self._inputs):
            raise MethodError(f"输入项 {key} 重复")
        self._inputs.append(spec)
        return Var(spec.key, default, spec.numeric)

    def inputs(self) -> tuple[InputSpec, ...]:
        """The inputs this method reads, in entry order."""
        return tuple(self._inputs)

    def value(self, env: Env, key: str) -> Any:
        """The value of one of this method's inputs (by unprefixed key)."""
        return Var(self.prefix + key).evaluate(env)

    def param(self, key: str, default: Any = None, *, required: bool = False) -> Any:
        """A raw parameter; ``required`` raises a clear error when absent."""
        if key not in self.params or self.params[key] in (None, ""):
            if required:
                raise MethodError(f"方法 {self.name} 缺少参数 {key}")
            return default
        return self.params[key]

    def number_param(self, key: str, default: float | None = None, *, required: bool = False) -> float:
        """A numeric parameter; accepts ``90%``, ``0.9``, ``１０``."""
        raw = self.param(key, default, required=required)
        number = param_number(raw)
        if number is None:
            raise MethodError(f"方法 {self.name} 的参数 {key} 应为数值，得到 {raw!r}")
        return number


_REGISTRY: dict[str, type[ScoringMethod]] = {}
_ALIASES: dict[str, str] = {}


def register(cls: type[ScoringMethod]) -> type[ScoringMethod]:
    """Class decorator: make a method available under its ``name`` and Chinese ``label``."""
    _REGISTRY[cls.name] = cls
    _ALIASES[cls.label] = cls.name
    for alias in getattr(cls, "aliases", ()):
        _ALIASES[alias] = cls.name
    return cls


def method_names() -> list[str]:
    """Registered method names."""
    return sorted(_REGISTRY)


def method_class(name: str) -> type[ScoringMethod]:
    """The method class for a name or Chinese label; raises MethodError listing the known ones."""
    key = (name or "").strip()
    key = _ALIASES.get(key, key)
    if key not in _REGISTRY:
        known = "、".join(f"{n}（{c.label}）" for n, c in sorted(_REGISTRY.items()))
        raise MethodError(f"未知评分方法 {name!r}，可用：{known}")
    return _REGISTRY[key]


def create(name: str, params: Mapping[str, Any] | None, points: float, *, prefix: str = "",
           label_hint: str = "") -> ScoringMethod:
    """Instantiate a method by name with its parameters for an indicator worth ``points``."""
    return method_class(name)(params or {}, points, prefix, label_hint)


def param_number(raw: Any) -> float | None:
    """A parameter value as a number (``90%`` -> 0.9, ``1,000`` -> 1000, ``10分`` -> 10): the one value
    parser, :func:`xlperf.values.parse_number`; a written comparison (``≥90%``) is not a parameter."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return float(raw)
    parsed = parse_value(raw)
    return parsed.number if parsed.is_numeric and parsed.op is None else None


def fmt_value(value: Any, kind: str) -> str:
    """Format an input value for explanations according to its kind."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        if kind == "percent":
            text = format_percent(value)
            return text.replace(".00%", "%")
        return format_number(value, 4)
    return str(value)
