"""A population's members across devices: where JAX sees more than one device of its default
backend, the member axis (the leading axis of every stacked state array) is sharded over a 1-D
mesh of them (``jax.sharding.NamedSharding``), the data that all members share is replicated,
and XLA runs each device's members as their own vmapped program (the members never exchange a
value, so no collective is compiled). With one device there is no mesh and nothing here changes
the single-device program: every function is the identity, or plain ``jax.jit``, when ``mesh``
is None.

A population of P members uses the largest device count that divides P (P = 6 on 4 devices: 3),
so every device holds the same number of members. ``--workers`` workers each see one GPU
(``suite.execution.parallel``), so only a single-process run shards.

Layer: training.
"""
from __future__ import annotations

import numpy as np

AXIS = "members"


def member_mesh(size: int):
    """The 1-D device mesh a population of ``size`` members is sharded over, or None when only
    one device would hold them (one device visible, or ``size`` prime to every count)."""
    import jax  # deferred: loads JAX

    devices = jax.devices()
    count = max(d for d in range(1, min(len(devices), size) + 1) if size % d == 0)
    if count == 1:
        return None
    return jax.sharding.Mesh(np.array(devices[:count]), (AXIS,))


def _sharding(mesh, axis):
    """Sharded on the member axis (``axis`` 0) or replicated (``axis`` None) over ``mesh``."""
    import jax  # deferred: loads JAX

    spec = jax.sharding.PartitionSpec(AXIS) if axis == 0 else jax.sharding.PartitionSpec()
    return jax.sharding.NamedSharding(mesh, spec)


def jit(function, mesh, in_axes: tuple, donate: tuple = ()):
    """``jax.jit(function)``; over a mesh, each argument sharded on the member axis (its vmap
    axis 0: a state tree, per-member data, batch orders) or replicated (axis None: shared data),
    and every output sharded on the member axis (a vmapped program's outputs all lead with it)."""
    import jax  # deferred: loads JAX

    if mesh is None:
        return jax.jit(function, donate_argnums=donate)
    return jax.jit(function, donate_argnums=donate, in_shardings=tuple(_sharding(mesh, a) for a in in_axes),
                   out_shardings=_sharding(mesh, 0))


def place(tree, mesh):
    """A member-stacked tree of arrays moved onto the mesh, sharded on its leading axis (so a
    program can donate it); unchanged without a mesh."""
    if mesh is None:
        return tree
    import jax  # deferred: loads JAX

    return jax.device_put(tree, _sharding(mesh, 0))


def gathered(arrays: list, mesh) -> list:
    """Sharded arrays brought back to host memory, so that a member's slice can be assigned to a
    Keras variable beside arrays on the default device; unchanged without a mesh."""
    if mesh is None:
        return arrays
    return [np.asarray(array) for array in arrays]
