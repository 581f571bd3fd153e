"""A software prefetch for the compiled kernels: ``prefetch(a, index)`` asks the processor to
bring the cache line of ``a[index]`` (an integer for a 1-d array, a tuple of integers for an
n-d one) towards its caches, without waiting for it.

The approval pipeline's event loop (:func:`sim.model.approval_kernels.advance`) reads, for every
event, rows of an application scattered over hundreds of megabytes at national scale; which rows
the next event needs is known as soon as the current event leaves the heap, long before they are
read.  Asking for them then overlaps the wait for memory with the work on the current event.  A
prefetch has no effect on results: it is a hint (LLVM's ``llvm.prefetch``), never a read the
program depends on.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def prefetch(typingctx, arr, index):
    """Prefetch (for reading, to every cache level) the line holding ``arr[index]``."""
    if not isinstance(arr, types.Array):
        return None
    if isinstance(index, types.Integer):
        kinds = (index,)
    elif isinstance(index, types.BaseTuple) and all(isinstance(t, types.Integer) for t in index.types):
        kinds = tuple(index.types)
    else:
        return None
    if len(kinds) != arr.ndim:
        return None

    def codegen(context, builder, signature, args):
        aryty, idxty = signature.args
        ary = context.make_array(aryty)(context, builder, args[0])
        values = [args[1]] if isinstance(idxty, types.Integer) else cgutils.unpack_tuple(builder, args[1], len(kinds))
        inds = [context.cast(builder, v, t, types.intp) for v, t in zip(values, kinds)]
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

    return types.void(arr, index), codegen
