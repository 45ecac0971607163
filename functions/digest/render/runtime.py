"""Run the edition's layouts, compiled ahead of time by Jinja2, without importing Jinja2.

Importing Jinja2 costs a fresh process more CPU than rendering an edition (its package loads the
lexer, parser and compiler with the runtime; docs/benchmarks.md, "Lambda budgets").  The code Jinja2
compiles a layout into needs only a small part of it: a context that resolves names, attribute
lookup with Jinja's rules, strict undefined values, macros, loops and a few filters.  ``make
templates`` (digest.render.precompiled) compiles each edition layout with the very environment that
would render it and has its module import those names from here; it refuses a layout that uses
anything this module does not provide (another filter, a test, ``{% include %}``, a recursive loop,
``loop.cycle``...), so such a layout is rendered by Jinja2 instead.  :func:`load` uses a module
only while the layout it was compiled from is unchanged; tests/unit/test_render_precompiled.py
renders every layout both ways and compares.

Depends on markupsafe alone (Jinja2's own escaping).
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import CodeType
from typing import Any, NoReturn

from markupsafe import Markup, escape, soft_str

PACKAGE = "digest.render.templates"


def module_name(flavour: str, template: str) -> str:
    """``edition``, ``edition.mjml.j2`` -> ``edition__edition_mjml_j2``."""
    return f"{flavour}__{re.sub(r'[^A-Za-z0-9]', '_', template)}"


def checksum(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


class _Missing:
    def __repr__(self) -> str:
        return "missing"


missing: Any = _Missing()  # a name the context lacks (the compiled code compares with ``is``)


class TemplateRuntimeError(RuntimeError):
    """What the compiled code raises for a filter it cannot find."""


class UndefinedError(TemplateRuntimeError):
    """A layout used a name or attribute its context lacks."""


class StrictUndefined:
    """A name or attribute the context lacks: printing, testing or iterating it raises
    :class:`UndefinedError` (the edition's Jinja environment uses ``jinja2.StrictUndefined``)."""

    __slots__ = ("_hint", "_name", "_obj")

    def __init__(self, hint: str | None = None, obj: Any = missing, name: Any = None, exc: Any = None) -> None:
        self._hint, self._obj, self._name = hint, obj, name

    def _fail(self, *args: Any, **kwargs: Any) -> NoReturn:
        if self._hint:
            raise UndefinedError(self._hint)
        if self._obj is missing:
            raise UndefinedError(f"{self._name!r} is undefined")
        raise UndefinedError(f"{type(self._obj).__name__} object has no attribute {self._name!r}")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # markupsafe asks for __html__, copy for __deepcopy__...
            raise AttributeError(name)
        self._fail()

    __str__ = __iter__ = __len__ = __bool__ = __eq__ = __ne__ = __hash__ = __contains__ = _fail
    __call__ = __getitem__ = __lt__ = __le__ = __gt__ = __ge__ = __add__ = __radd__ = __mul__ = __rmul__ = _fail
    __sub__ = __rsub__ = __truediv__ = __rtruediv__ = __mod__ = __rmod__ = __neg__ = __pos__ = __int__ = _fail
    __float__ = __abs__ = __floordiv__ = __rfloordiv__ = __pow__ = __rpow__ = __divmod__ = __rdivmod__ = _fail


Undefined = StrictUndefined  # the compiled code names it once for `x if y` without else, refused at build


def internalcode(function: Callable[..., Any]) -> Callable[..., Any]:
    """Jinja2 marks its own frames for its tracebacks; nothing to do here."""
    return function


def str_join(values: Iterable[Any]) -> str:
    """The ``~`` operator outside autoescaping."""
    return "".join(map(str, values))


def markup_join(values: Iterable[Any]) -> str:
    """The ``~`` operator under autoescaping: Markup as soon as one piece is."""
    pieces: list[str] = []
    iterator = map(soft_str, values)
    for piece in iterator:
        pieces.append(piece)
        if hasattr(piece, "__html__"):
            return Markup("").join([*pieces, *iterator])
    return "".join(pieces)


class LoopContext:
    """``loop`` in a ``{% for %}``: index, index0, revindex, revindex0, first, last, length."""

    index0 = -1
    _length: int | None = None

    def __init__(self, iterable: Iterable[Any], undefined: type[StrictUndefined]) -> None:
        self._iterable = iterable
        self._iterator: Iterator[Any] = iter(iterable)
        self._after: Any = missing

    @property
    def length(self) -> int:
        if self._length is None:
            try:
                self._length = len(self._iterable)  # type: ignore[arg-type]
            except TypeError:
                rest = list(self._iterator)
                self._iterator = iter(rest)
                self._length = len(rest) + self.index + (self._after is not missing)
        return self._length

    @property
    def index(self) -> int:
        return self.index0 + 1

    @property
    def revindex(self) -> int:
        return self.length - self.index0

    @property
    def revindex0(self) -> int:
        return self.length - self.index

    @property
    def first(self) -> bool:
        return self.index0 == 0

    @property
    def last(self) -> bool:
        if self._after is missing:
            self._after = next(self._iterator, missing)
        return self._after is missing

    def __iter__(self) -> LoopContext:
        return self

    def __next__(self) -> tuple[Any, LoopContext]:
        if self._after is not missing:
            item, self._after = self._after, missing
        else:
            item = next(self._iterator)
        self.index0 += 1
        return item, self


LOOP_ATTRIBUTES = frozenset({"index", "index0", "revindex", "revindex0", "first", "last", "length"})


class Macro:
    """A ``{% macro %}``: positional or keyword arguments, no ``caller``, ``varargs`` or ``kwargs``."""

    def __init__(
        self,
        environment: Environment,
        func: Callable[..., str],
        name: str,
        arguments: tuple[str, ...],
        catch_kwargs: bool,
        catch_varargs: bool,
        caller: bool,
        default_autoescape: bool,
    ) -> None:
        if catch_kwargs or catch_varargs or caller:  # refused at build time (precompiled.unsupported)
            raise TemplateRuntimeError(f"macro {name!r}: caller, varargs and kwargs need Jinja2")
        self._func, self.name, self.arguments, self._autoescape = func, name, arguments, default_autoescape

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        if len(args) > len(self.arguments):
            raise TypeError(f"macro {self.name!r} takes not more than {len(self.arguments)} argument(s)")
        values = list(args) + [kwargs.pop(name, missing) for name in self.arguments[len(args) :]]
        if kwargs:
            raise TypeError(f"macro {self.name!r} takes no keyword argument {next(iter(kwargs))!r}")
        rendered = self._func(*values)
        return Markup(rendered) if self._autoescape else rendered


class EvalContext:
    def __init__(self, environment: Environment, autoescape: bool) -> None:
        self.environment, self.autoescape = environment, autoescape


def _join(eval_ctx: EvalContext, value: Iterable[Any], d: str = "") -> str:
    """Jinja2's ``join`` filter (without ``attribute``)."""
    if not eval_ctx.autoescape:
        return str(d).join(map(str, value))
    if hasattr(d, "__html__"):
        return soft_str(d).join(map(soft_str, value))
    items = list(value)
    markup = any(hasattr(item, "__html__") for item in items)
    return (escape(d) if markup else str(d)).join(item if hasattr(item, "__html__") else str(item) for item in items)


def _select(context: Context, value: Iterable[Any]) -> Iterator[Any]:
    """Jinja2's ``select`` filter without a test: the truthy items."""
    return (item for item in value or () if item)


# Jinja2's built-in filters the layouts use, and which of them take the context or the evaluation
# context first (the compiled code passes what Jinja2's own filter asks for; checked at build time).
FILTERS: dict[str, Callable[..., Any]] = {
    "join": _join,
    "length": len,
    "safe": Markup,
    "select": _select,
    "upper": lambda value: soft_str(value).upper(),
}
PASS_ARG = {"join": "eval_context", "select": "context"}
GLOBALS: dict[str, Any] = {"range": range, "dict": dict}


class Environment:
    """What compiled code asks of ``environment``: attribute lookup, undefined values, filters."""

    USED = frozenset({"getattr", "getitem", "undefined", "concat", "filters"})  # by compiled code
    undefined = StrictUndefined
    concat = "".join

    def __init__(self, filters: Mapping[str, Callable[..., Any]]) -> None:
        self.filters = FILTERS | dict(filters)

    def getattr(self, obj: Any, attribute: str) -> Any:
        """``obj.attribute``: the attribute, else the item of that name, else undefined."""
        try:
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        """``obj[argument]``: the item, else the attribute of that name, else undefined."""
        try:
            return obj[argument]
        except (AttributeError, TypeError, LookupError):
            if isinstance(argument, str):
                try:
                    return getattr(obj, argument)
                except AttributeError:
                    pass
            return self.undefined(obj=obj, name=argument)


class Context:
    """What compiled code asks of ``context``: names, the layout's own ``{% set %}``s, calls."""

    USED = frozenset({"resolve_or_missing", "vars", "exported_vars", "eval_ctx", "call"})  # by compiled code

    def __init__(self, environment: Environment, parent: dict[str, Any], autoescape: bool) -> None:
        self.environment, self.parent = environment, parent
        self.vars: dict[str, Any] = {}
        self.exported_vars: set[str] = set()
        self.eval_ctx = EvalContext(environment, autoescape)

    def resolve_or_missing(self, key: str) -> Any:
        if key in self.vars:
            return self.vars[key]
        return self.parent.get(key, missing)

    def call(__self, __obj: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        kwargs.pop("_loop_vars", None)
        kwargs.pop("_block_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined("value was undefined because a callable raised a StopIteration")


class Template:
    """A compiled layout: ``render(context)`` as ``jinja2.Template.render``."""

    def __init__(self, code: CodeType, environment: Environment) -> None:
        namespace: dict[str, Any] = {"environment": environment}  # what the compiled functions look up
        exec(code, namespace)
        self.filename = code.co_filename
        self.source_sha256: str | None = namespace.get("SOURCE_SHA256")
        self.environment = environment
        self._root: Callable[[Context], Iterator[str]] = namespace["root"]
        self._autoescape: bool = namespace["AUTOESCAPE"]

    def render(self, context: Mapping[str, Any]) -> str:
        top = Context(self.environment, GLOBALS | dict(context), self._autoescape)
        return self.environment.concat(self._root(top))


def load(layouts_dir: Path, flavour: str, name: str, environment: Environment) -> Template | None:
    """``layouts_dir/name`` from its compiled module when compiled from that very source, else None
    (no such layout or module, an edited layout, a layout that needs Jinja2)."""
    qualified = f"{PACKAGE}.{module_name(flavour, name)}"
    layout = layouts_dir / name
    spec = importlib.util.find_spec(qualified)
    if spec is None or not layout.is_file():
        return None
    code = spec.loader.get_code(qualified)  # type: ignore[union-attr]
    template = Template(code, environment)
    # as Jinja2 reads a layout: bytes decoded, line endings kept
    return template if template.source_sha256 == checksum(layout.read_bytes().decode("utf-8")) else None
