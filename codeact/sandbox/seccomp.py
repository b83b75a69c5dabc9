"""A seccomp filter for the sandbox: deny the kernel-keyring system calls.

Kernel keyrings are not namespaced: code running as the host's uid could list and read the host user's keys
(``/proc/keys``, ``keyctl``). Namespaces cannot hide them, so the sandbox denies ``add_key``, ``request_key`` and
``keyctl`` with EPERM, as Docker's default profile does. The filter is classic BPF handed to bwrap (``--seccomp FD``);
it is a few instructions, so it is assembled here rather than adding libseccomp as a dependency.
"""

from __future__ import annotations

import platform
import struct

# struct seccomp_data: int nr at offset 0, __u32 arch at offset 4
_LD_ABS_W, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06
_ALLOW, _ERRNO_EPERM = 0x7FFF0000, 0x00050000 | 1
_X32_SYSCALL_BIT = 0x40000000

# audit arch, then the numbers of add_key, request_key, keyctl
_ARCHES: dict[str, tuple[int, tuple[int, int, int]]] = {
    "x86_64": (0xC000003E, (248, 249, 250)),
    "aarch64": (0xC00000B7, (217, 218, 219)),
}


def _insn(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def keyring_filter(machine: str | None = None) -> bytes | None:
    """The compiled filter for this CPU, or None where its system call numbers are not known here."""
    arch = _ARCHES.get(machine or platform.machine())
    if arch is None:
        return None
    audit_arch, (add_key, request_key, keyctl) = arch
    return b"".join([
        _insn(_LD_ABS_W, 4),
        _insn(_JEQ_K, audit_arch, jt=1),            # another ABI (e.g. i386 on x86_64): deny everything below
        _insn(_RET_K, _ERRNO_EPERM),
        _insn(_LD_ABS_W, 0),
        _insn(_JGE_K, _X32_SYSCALL_BIT, jt=3),      # x32 aliases of the same calls
        _insn(_JEQ_K, add_key, jt=2),
        _insn(_JEQ_K, request_key, jt=1),
        _insn(_JEQ_K, keyctl, jf=1),
        _insn(_RET_K, _ERRNO_EPERM),
        _insn(_RET_K, _ALLOW),
    ])
