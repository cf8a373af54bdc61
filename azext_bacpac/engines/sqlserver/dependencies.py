"""Which user functions a package's tables call, so that the deployment creates them first.

A computed column, a default or a check constraint that calls a scalar function fails when the
function does not exist yet ("Cannot find either column "dbo" or the user-defined function or
aggregate ..., or the name is ambiguous", Msg 4121), and with it the whole import. DacFx orders a
deployment by the model's dependencies; this does the same for what matters here:

  early  the scalar functions the tables' expressions call, and the scalar functions those call in
         turn. They are created after the types and sequences, before the tables. A scalar function
         may name tables that do not exist yet (deferred name resolution), unless it is
         WITH SCHEMABINDING.
  late   a function of that closure that is schema-bound to a table or view of the package, or calls
         a function that is late: it can only be created after the tables, with the other modules.
         The expressions that call it are added after it (a computed column with ALTER TABLE ADD,
         so it becomes the table's last column, which the import names in a warning).

Calls are found in the expressions' text by the function's two-part name followed by "(",
bracketed or not, case-insensitively (T-SQL requires the schema for a scalar function call).
"""
import re

from ...format.model import split_name

SCALAR_FUNCTION = "SqlScalarFunction"
_PLAIN = re.compile(r"^[A-Za-z_@#][A-Za-z0-9_@#$]*$")


def _part(name):
    bracketed = r"\[" + re.escape(name.replace("]", "]]")) + r"\]"
    if _PLAIN.match(name):
        return rf"(?:{bracketed}|\b{re.escape(name)}\b)"
    return bracketed


def reference_pattern(full_name, call=True):
    """A regex that finds `[schema].[name]` (or schema.name) in T-SQL text; with call, followed by '('."""
    parts = split_name(full_name)
    if len(parts) != 2:
        return None
    text = _part(parts[0]) + r"\s*\.\s*" + _part(parts[1])
    return re.compile(text + (r"\s*\(" if call else r"(?!\s*\()"), re.IGNORECASE)


class _Named:
    """A name with its leaf (for a cheap first test) and its pattern."""

    def __init__(self, full_name, call):
        self.full_name = full_name
        parts = split_name(full_name)
        self.leaf = (parts[-1] if parts else full_name).lower()
        self.pattern = reference_pattern(full_name, call)

    def found_in(self, text, lowered):
        return self.pattern is not None and self.leaf in lowered and self.pattern.search(text) is not None


class FunctionOrder:
    """The early and late functions of a plan; calls(text) names the functions an expression calls.

    modules: the package's Module objects; relations: the full names of its tables and views.
    """

    def __init__(self, modules, relations):
        self.functions = {m.name: m for m in modules if m.element_type == SCALAR_FUNCTION}
        self._named = [_Named(name, call=True) for name in self.functions]
        self._relations = [_Named(name, call=False) for name in relations]
        self.early, self.late = [], set()

    def calls(self, text):
        """The scalar functions (full names) an expression calls, in model order."""
        if not text or not self._named:
            return []
        lowered = text.lower()
        return [n.full_name for n in self._named if n.found_in(text, lowered)]

    def plan(self, expressions):
        """Work out early and late from the tables' expressions (computed columns, defaults, checks)."""
        needed, pending = [], []
        for text in expressions:
            pending.extend(self.calls(text))
        while pending:
            name = pending.pop(0)
            if name in needed:
                continue
            needed.append(name)
            pending.extend(c for c in self.calls(self.functions[name].body) if c != name)
        late = {name for name in needed if self._schema_bound_to_relation(self.functions[name])}
        changed = True
        while changed:                       # a function that calls a late one is late too
            changed = False
            for name in needed:
                if name not in late and any(c in late for c in self.calls(self.functions[name].body)):
                    late.add(name)
                    changed = True
        self.late = late
        self.early = [name for name in needed if name not in late]
        return self

    def needs_late(self, text):
        """The late functions an expression calls (it must be added after them)."""
        return [name for name in self.calls(text) if name in self.late]

    def _schema_bound_to_relation(self, module):
        header = (module.header or "") + (module.footer or "")
        if "schemabinding" not in (header + module.body[:2000]).lower():
            return False
        body, lowered = module.body, module.body.lower()
        return any(r.found_in(body, lowered) for r in self._relations)


__all__ = ["FunctionOrder", "reference_pattern", "SCALAR_FUNCTION"]
