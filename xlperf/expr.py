"""A small expression tree with two back ends: Python evaluation and native Excel formulas.

Every scoring method builds one tree from its parameters; the engine evaluates the tree in Python and
the template generator compiles the same tree to an Excel formula, so the two can never drift apart.

    >>> t = Var("actual") / Var("target")
    >>> t.evaluate({"actual": 3, "target": 4})
    0.75
    >>> t.to_excel(lambda name: "in_" + name)
    '(in_actual/in_target)'
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from xlperf.errors import XlperfError
from xlperf.rounding import excel_round

Value = float | str
Env = Mapping[str, object]
RefFn = Callable[[str], str]


class ExprError(XlperfError, ValueError):
    """An expression that cannot be built, parsed or evaluated."""


class Expr:
    """Base class of expression nodes; arithmetic operators build new nodes."""

    def evaluate(self, env: Env) -> Value:  # pragma: no cover - abstract
        """Evaluate with input values from ``env`` (name -> number or text)."""
        raise NotImplementedError

    def to_excel(self, ref: RefFn) -> str:  # pragma: no cover - abstract
        """Compile to an Excel formula body (no leading ``=``); ``ref`` maps input names to references."""
        raise NotImplementedError

    def variables(self) -> set[str]:  # pragma: no cover - abstract
        """Names of the inputs this expression reads."""
        raise NotImplementedError

    def __add__(self, other: object) -> Expr:
        return Bin("+", self, lift(other))

    def __radd__(self, other: object) -> Expr:
        return Bin("+", lift(other), self)

    def __sub__(self, other: object) -> Expr:
        return Bin("-", self, lift(other))

    def __rsub__(self, other: object) -> Expr:
        return Bin("-", lift(other), self)

    def __mul__(self, other: object) -> Expr:
        return Bin("*", self, lift(other))

    def __rmul__(self, other: object) -> Expr:
        return Bin("*", lift(other), self)

    def __truediv__(self, other: object) -> Expr:
        return Bin("/", self, lift(other))

    def __rtruediv__(self, other: object) -> Expr:
        return Bin("/", lift(other), self)

    def __neg__(self) -> Expr:
        return Bin("-", Num(0), self)


def lift(value: object) -> Expr:
    """Wrap a Python number or string as a constant node; nodes pass through."""
    if isinstance(value, Expr):
        return value
    if isinstance(value, bool):
        raise ExprError("布尔值不能直接用作表达式常量")
    if isinstance(value, int | float):
        return Num(float(value))
    if isinstance(value, str):
        return Text(value)
    raise ExprError(f"无法用作表达式常量：{value!r}")


def _number(value: object) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    raise ExprError(f"需要数值，得到文本 {value!r}")


def _excel_number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


@dataclass(frozen=True)
class Num(Expr):
    """A numeric constant."""

    value: float

    def evaluate(self, env: Env) -> Value:
        return self.value

    def to_excel(self, ref: RefFn) -> str:
        text = _excel_number(self.value)
        return f"({text})" if self.value < 0 else text

    def variables(self) -> set[str]:
        return set()


@dataclass(frozen=True)
class Text(Expr):
    """A text constant (Excel string literal)."""

    value: str

    def evaluate(self, env: Env) -> Value:
        return self.value

    def to_excel(self, ref: RefFn) -> str:
        return '"' + self.value.replace('"', '""') + '"'

    def variables(self) -> set[str]:
        return set()


@dataclass(frozen=True)
class Var(Expr):
    """An input value; a blank input takes ``default`` when one is given.

    ``numeric`` inputs are used by the native formula only when the cell holds a number (``ISNUMBER``),
    text inputs only when it holds text (``ISTEXT``, then ``TRIM``); anything else counts as blank, the
    same reading :func:`xlperf.values.read_input` gives the engine (which puts only usable values in
    ``env``).
    """

    name: str
    default: float | str | None = None
    numeric: bool = True

    def evaluate(self, env: Env) -> Value:
        value = env.get(self.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if self.default is None:
                raise ExprError(f"缺少输入 {self.name}")
            return self.default
        if isinstance(value, bool):
            return 1.0 if value else 0.0
        if isinstance(value, int | float):
            return float(value)
        return str(value).strip()

    def to_excel(self, ref: RefFn) -> str:
        target = ref(self.name)
        if self.numeric:
            if self.default is None:
                return target  # the score formula's guard (see filled_test) makes sure it is a number
            return f"IF(ISNUMBER({target}),{target},{lift(self.default).to_excel(ref)})"
        if self.default is None:
            return f"TRIM({target})"
        default = lift(self.default).to_excel(ref)
        return f'IF(ISTEXT({target}),IF(TRIM({target})="",{default},TRIM({target})),{default})'

    def filled_test(self, ref: RefFn) -> str:
        """The Excel condition that is TRUE when the input cell holds a usable value."""
        target = ref(self.name)
        if self.numeric:
            return f"ISNUMBER({target})"
        return f'IF(ISTEXT({target}),TRIM({target})<>"",FALSE)'

    def variables(self) -> set[str]:
        return {self.name}


_ARITH: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}


@dataclass(frozen=True)
class Bin(Expr):
    """Arithmetic: ``+ - * /`` (division by zero raises, like Excel's #DIV/0!)."""

    op: str
    left: Expr
    right: Expr

    def evaluate(self, env: Env) -> Value:
        a, b = _number(self.left.evaluate(env)), _number(self.right.evaluate(env))
        if self.op == "/" and b == 0:
            raise ExprError("除数为 0")
        return _ARITH[self.op](a, b)

    def to_excel(self, ref: RefFn) -> str:
        return f"({self.left.to_excel(ref)}{self.op}{self.right.to_excel(ref)})"

    def variables(self) -> set[str]:
        return self.left.variables() | self.right.variables()


def _equal(a: Value, b: Value) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return str(a).strip().casefold() == str(b).strip().casefold()
    return a == b


_COMPARE: dict[str, Callable[[Value, Value], bool]] = {
    "<": lambda a, b: _number(a) < _number(b),
    "<=": lambda a, b: _number(a) <= _number(b),
    ">": lambda a, b: _number(a) > _number(b),
    ">=": lambda a, b: _number(a) >= _number(b),
    "=": _equal,
    "<>": lambda a, b: not _equal(a, b),
}

COMPARISONS = tuple(_COMPARE)


@dataclass(frozen=True)
class Cmp(Expr):
    """A comparison; evaluates to 1.0 or 0.0 (Excel TRUE/FALSE)."""

    op: str
    left: Expr
    right: Expr

    def __post_init__(self) -> None:
        if self.op not in _COMPARE:
            raise ExprError(f"未知比较符 {self.op}")

    def evaluate(self, env: Env) -> Value:
        return 1.0 if _COMPARE[self.op](self.left.evaluate(env), self.right.evaluate(env)) else 0.0

    def to_excel(self, ref: RefFn) -> str:
        return f"({self.left.to_excel(ref)}{self.op}{self.right.to_excel(ref)})"

    def variables(self) -> set[str]:
        return self.left.variables() | self.right.variables()


@dataclass(frozen=True)
class Call(Expr):
    """A function call: MIN, MAX, ABS, ROUND, IF, AND, OR, NOT (IF is lazy in both back ends)."""

    fn: str
    args: tuple[Expr, ...]

    def evaluate(self, env: Env) -> Value:
        fn = self.fn
        if fn == "IF":
            cond, yes, no = self.args
            return yes.evaluate(env) if _number(cond.evaluate(env)) else no.evaluate(env)
        values = [a.evaluate(env) for a in self.args]
        if fn == "MIN":
            return min(_number(v) for v in values)
        if fn == "MAX":
            return max(_number(v) for v in values)
        if fn == "ABS":
            return abs(_number(values[0]))
        if fn == "ROUND":
            return excel_round(_number(values[0]), int(_number(values[1])))
        if fn == "AND":
            return 1.0 if all(_number(v) for v in values) else 0.0
        if fn == "OR":
            return 1.0 if any(_number(v) for v in values) else 0.0
        if fn == "NOT":
            return 0.0 if _number(values[0]) else 1.0
        raise ExprError(f"未知函数 {fn}")

    def to_excel(self, ref: RefFn) -> str:
        return f"{self.fn}({','.join(a.to_excel(ref) for a in self.args)})"

    def variables(self) -> set[str]:
        names: set[str] = set()
        for a in self.args:
            names |= a.variables()
        return names


FUNCTIONS = {"MIN": (1, None), "MAX": (1, None), "ABS": (1, 1), "IF": (3, 3), "AND": (1, None),
             "OR": (1, None), "NOT": (1, 1), "ROUND": (2, 2)}


def call(fn: str, *args: object) -> Expr:
    """Build a function call node, checking the function name and argument count."""
    if fn not in FUNCTIONS:
        raise ExprError(f"未知函数 {fn}")
    low, high = FUNCTIONS[fn]
    if len(args) < low or (high is not None and len(args) > high):
        raise ExprError(f"函数 {fn} 的参数个数不对")
    return Call(fn, tuple(lift(a) for a in args))


def MIN(*args: object) -> Expr:
    """Excel ``MIN``."""
    return call("MIN", *args)


def MAX(*args: object) -> Expr:
    """Excel ``MAX``."""
    return call("MAX", *args)


def IF(cond: object, yes: object, no: object) -> Expr:
    """Excel ``IF`` (lazy)."""
    return call("IF", cond, yes, no)


def ROUND(value: object, digits: int) -> Expr:
    """Excel ``ROUND`` (half away from zero)."""
    return call("ROUND", value, digits)


def AND(*args: object) -> Expr:
    """Excel ``AND``."""
    return call("AND", *args)


def OR(*args: object) -> Expr:
    """Excel ``OR``."""
    return call("OR", *args)


def cmp(op: str, left: object, right: object) -> Expr:
    """A comparison node; ``op`` is one of ``< <= > >= = <>``."""
    return Cmp(op, lift(left), lift(right))


def total(terms: Iterable[object]) -> Expr:
    """The sum of terms as a chain of ``+`` (0 when empty)."""
    result: Expr | None = None
    for term in terms:
        result = lift(term) if result is None else result + term
    return result if result is not None else Num(0)


def switch(subject: Expr, cases: Iterable[tuple[str, float]], default: float = 0.0) -> Expr:
    """Map a text value to a number: nested IF in Excel, a lookup in Python."""
    result: Expr = Num(default)
    for text, value in reversed(list(cases)):
        result = IF(cmp("=", subject, text), value, result)
    return result


_AST_BIN = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_AST_CMP = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "=", ast.NotEq: "<>"}


def parse_formula(text: str, variables: Mapping[str, Expr]) -> Expr:
    """Parse a rubric formula such as ``(计划成本-实际成本)/计划成本`` into a tree.

    Names must be keys of ``variables``; numbers, ``%`` suffixes (``90%``), ``+ - * /``, comparisons
    and MIN/MAX/ABS/IF are allowed. Anything else is refused with a message naming it. A division by
    an input yields 0 when the input is 0 (in both back ends), so a blank budget never shows #DIV/0!.
    """
    source = text.replace("％", "%").replace("×", "*").replace("÷", "/").strip()
    source = _percent_literals(source)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ExprError(f"公式无法解析：{text}") from exc

    def build(node: ast.AST) -> Expr:
        if isinstance(node, ast.Expression):
            return build(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(
            node.value, bool
        ):
            return Num(float(node.value))
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return Text(node.value)
        if isinstance(node, ast.Name):
            if node.id not in variables:
                raise ExprError(f"公式 {text} 中的名称 {node.id} 不是本指标的输入项")
            return variables[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _AST_BIN:
            left, right = build(node.left), build(node.right)
            if isinstance(node.op, ast.Div) and not isinstance(right, Num):
                return IF(cmp("=", right, 0), 0, Bin("/", left, right))
            return Bin(_AST_BIN[type(node.op)], left, right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -build(node.operand)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
            return build(node.operand)
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _AST_CMP:
            return Cmp(_AST_CMP[type(node.ops[0])], build(node.left), build(node.comparators[0]))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            return call(node.func.id.upper(), *[build(a) for a in node.args])
        raise ExprError(f"公式 {text} 含有不支持的写法")

    return build(tree)


def _percent_literals(source: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "%":
            j = len(out)
            while j > 0 and (out[j - 1].isdigit() or out[j - 1] == "."):
                j -= 1
            number = "".join(out[j:])
            if not number:
                raise ExprError(f"公式中 % 的位置不对：{source}")
            del out[j:]
            out.append(f"({number}/100)")
        else:
            out.append(ch)
        i += 1
    return "".join(out)

