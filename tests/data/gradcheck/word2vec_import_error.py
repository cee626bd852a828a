"""Cannot be imported: a module that does not exist."""
import no_such_module_for_symw2v  # noqa: F401
