"""The real servers on loopback, for tests and benchmarks: one of each (`local`), or scaled out (`scaled`)."""
from bot.devservers.local import MODEL, ROOT, VENV_BIN, Servers, free_port

__all__ = ["MODEL", "ROOT", "VENV_BIN", "Servers", "free_port"]
