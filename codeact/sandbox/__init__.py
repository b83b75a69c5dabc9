"""The interpreter agents run code in: a stateful Jupyter kernel, sandboxed with bubblewrap by default.

``KernelInterpreter`` is the entry point; ``KernelPool`` keeps kernels warm; ``check_sandbox_available`` says
up front, in one line, why the sandbox cannot start here. See docs/sandbox.md for the threat model.
"""

from codeact.sandbox.availability import SandboxUnavailable, check_sandbox_available
from codeact.sandbox.base import Execution, Interpreter
from codeact.sandbox.interpreter import KernelInterpreter
from codeact.sandbox.pool import KernelPool
from codeact.sandbox.process import KernelStartError
from codeact.sandbox.settings import Mount, SandboxSettings

__all__ = [
    "Execution",
    "Interpreter",
    "KernelInterpreter",
    "KernelPool",
    "KernelStartError",
    "Mount",
    "SandboxSettings",
    "SandboxUnavailable",
    "check_sandbox_available",
]
