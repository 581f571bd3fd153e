"""A software prefetch for the compiled kernels: ``prefetch(a, i, j)`` asks the processor to
bring the cache line of ``a[i, j]`` (a 2-d array) towards its caches, without waiting for it.

The approval pipeline's event loop (:func:`sim.model.approval_kernels.advance`) reads, for every
event, rows of an application scattered over hundreds of megabytes at national scale; which rows
the next event needs is known as soon as the current event leaves the heap, long before they are
read.  Asking for them then overlaps the wait for memory with the work on the current event.  A
prefetch has no effect on results: it is a hint (LLVM's ``llvm.prefetch``), never a read the
program depends on, and an index outside the array is never touched by it.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def prefetch(typingctx, arr, i, j):
    """Prefetch (for reading, to every cache level) the line holding ``arr[i, j]``."""
    if not (isinstance(arr, types.Array) and arr.ndim == 2 and isinstance(i, types.Integer)):
        return None
    if not isinstance(j, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        inds = [context.cast(builder, v, t, types.intp) for v, t in zip(args[1:], signature.args[1:])]
        ptr = cgutils.get_item_pointer2(
            context,
            builder,
            data=ary.data,
            shape=cgutils.unpack_tuple(builder, ary.shape),
            strides=cgutils.unpack_tuple(builder, ary.strides),
            layout=aryty.layout,
            inds=inds,
            wraparound=False,
            boundscheck=False,
        )
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = builder.module.declare_intrinsic("llvm.prefetch", [i8p], fnty)
        # read (0), highest locality (3), data cache (1)
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(arr, i, j), codegen
