"""What every scoring method shares: inputs, parameter helpers and the registry.

A method is one class in one module of this package. From its parameters it declares the inputs it
needs and builds one expression tree (``xlperf.expr``); the engine evaluates that tree, the template
generator compiles it to a native Excel formula and the xlwings UDFs call the engine. Adding a method is
adding one module with one class decorated by ``@register``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from xlperf.expr import Env, Expr, Var
from xlperf.rounding import format_number, format_percent

INPUT_KINDS = ("number", "percent", "money", "count", "choice", "yesno", "text")
YES, NO = "是", "否"


class MethodError(ValueError):
    """Bad method parameters; the message is shown to rubric authors as is."""


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
        return self.kind in ("number", "percent", "money", "count")


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
    #: the parameter a bare 参数 cell gives (``[90%,100%]:6; [80%,90%):4`` is the ``tiers`` of 分档计分)
    main_param: ClassVar[str] = ""
    #: the evaluator types the score itself (评价打分): nothing to compute, nothing a rule text could contradict
    evaluator_entered: ClassVar[bool] = False

    def __post_init__(self) -> None:
        self.params = dict(self.params or {})
        self.setup()

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

    def notes(self, env: Env) -> list[tuple[str, str]]:
        """Extra observations as (severity, message), e.g. over-spending. Severity: error/warning/info."""
        return []

    def describe(self) -> str:
        """A short description for ``xlperf rubric show``."""
        return self.label

    def authoring_notes(self) -> list[str]:
        """What a rubric author should look at in these parameters (``rubric check`` warns with them)."""
        return []

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
        return Var(spec.key, default)

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
        number = to_number(raw)
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


_FULLWIDTH = str.maketrans("０１２３４５６７８９．％－＋，", "0123456789.%-+,")


def to_number(raw: Any) -> float | None:
    """A parameter value as a number: ints, floats, ``'90%'`` -> 0.9, ``'1,000'`` -> 1000."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return float(raw)
    if not isinstance(raw, str):
        return None
    text = raw.translate(_FULLWIDTH).replace(",", "").replace(" ", "").strip()
    percent = text.endswith("%")
    text = text.rstrip("%")
    text = re.sub(r"(分|万元|元)$", "", text)
    try:
        number = float(text)
    except ValueError:
        return None
    return number / 100 if percent else number


def fmt_value(value: Any, kind: str) -> str:
    """Format an input value for explanations according to its kind."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        if kind == "percent":
            text = format_percent(value)
            return text.replace(".00%", "%")
        return format_number(value, 4)
    return str(value)
