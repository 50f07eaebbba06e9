using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace ClipGen;

/// <summary>
/// Reads which tensor a parameter's <c>.grad</c> currently is, without creating a managed
/// <see cref="Tensor"/> (whose getter costs ~0.5 µs: a finalizable wrapper plus DisposeScope bookkeeping).
/// </summary>
/// <remarks>
/// Identity is the address of the grad's <c>c10::TensorImpl</c>: an <c>at::Tensor</c> (what a TorchSharp
/// handle points to) holds exactly one <c>intrusive_ptr&lt;TensorImpl&gt;</c>, so the first word behind
/// a handle is the impl. Setting <c>p.grad = view</c> stores the same impl; in-place accumulation by
/// <c>backward()</c> and <c>OptimizerHelper.zero_grad()</c> keep it; anything that replaces or clears
/// the grad changes it. The native probe calls LibTorchSharp's own exports (<c>THSTensor_grad</c>,
/// <c>THSTensor_dispose</c>, <c>THSTensor_numel</c>); if they cannot be bound, the managed getter is used.
/// </remarks>
internal static class LibTorchSharpProbe
{
    private const string Library = "LibTorchSharp";

    private static volatile bool s_nativeUnavailable;

    /// <summary>The impl address of <paramref name="parameter"/>'s grad, or zero when the grad is null.</summary>
    public static IntPtr GradImpl(Tensor parameter)
    {
        if (!s_nativeUnavailable)
        {
            try
            {
                IntPtr grad = NativeGrad(parameter.Handle);
                if (grad == IntPtr.Zero)
                {
                    return IntPtr.Zero;
                }

                IntPtr impl = Marshal.ReadIntPtr(grad);
                NativeDispose(grad);
                return impl;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                s_nativeUnavailable = true;
            }
        }

        using Tensor? managed = parameter.grad;
        return managed is null ? IntPtr.Zero : Impl(managed);
    }

    /// <summary>The element count of <paramref name="tensor"/> (one native call, no wrapper).</summary>
    public static long Numel(Tensor tensor)
    {
        if (!s_nativeUnavailable)
        {
            try
            {
                return NativeNumel(tensor.Handle);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                s_nativeUnavailable = true;
            }
        }

        return tensor.numel();
    }

    /// <summary>
    /// Whether two tensors have the same shape, through <c>THSTensor_ndimension</c>/<c>THSTensor_size</c>: a few
    /// nanoseconds per dimension, where the managed <see cref="Tensor.shape"/> getter costs ~1.5 µs (a native
    /// callback allocating an array) and would dominate clipping many small tensors.
    /// </summary>
    public static bool SameShape(Tensor a, Tensor b)
    {
        if (!s_nativeUnavailable)
        {
            try
            {
                long rank = NativeRank(a.Handle);
                if (rank != NativeRank(b.Handle))
                {
                    return false;
                }

                for (long d = 0; d < rank; d++)
                {
                    if (NativeSize(a.Handle, d) != NativeSize(b.Handle, d))
                    {
                        return false;
                    }
                }

                return true;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                s_nativeUnavailable = true;
            }
        }

        return a.shape.AsSpan().SequenceEqual(b.shape);
    }

    /// <summary>
    /// The dtype and device of <paramref name="tensor"/> packed in one comparable value (three native calls
    /// without GC transitions instead of three ordinary P/Invokes), for "do all these tensors share a kind" checks.
    /// </summary>
    public static (ScalarType DType, int DeviceType, int DeviceIndex) Kind(Tensor tensor)
    {
        if (!s_nativeUnavailable)
        {
            try
            {
                IntPtr h = tensor.Handle;
                return ((ScalarType)NativeType(h), NativeDeviceType(h), NativeDeviceIndex(h));
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                s_nativeUnavailable = true;
            }
        }

        return (tensor.dtype, (int)tensor.device_type, tensor.device_index);
    }

    /// <summary>The number of dimensions of <paramref name="tensor"/> (one native call, no wrapper).</summary>
    public static long Rank(Tensor tensor)
    {
        if (!s_nativeUnavailable)
        {
            try
            {
                return NativeRank(tensor.Handle);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                s_nativeUnavailable = true;
            }
        }

        return tensor.dim();
    }

    /// <summary>The impl address of a live tensor wrapper.</summary>
    public static IntPtr Impl(Tensor tensor) => Marshal.ReadIntPtr(tensor.Handle);

    // SuppressGCTransition: each call is a few nanoseconds of native work (a ref-count and a small
    // allocation), never blocks and never calls back into .NET; the transition would cost more.
    [DllImport(Library, EntryPoint = "THSTensor_grad")]
    [SuppressGCTransition]
    private static extern IntPtr NativeGrad(IntPtr tensor);

    [DllImport(Library, EntryPoint = "THSTensor_dispose")]
    [SuppressGCTransition]
    private static extern void NativeDispose(IntPtr tensor);

    [DllImport(Library, EntryPoint = "THSTensor_numel")]
    [SuppressGCTransition]
    private static extern long NativeNumel(IntPtr tensor);

    [DllImport(Library, EntryPoint = "THSTensor_ndimension")]
    [SuppressGCTransition]
    private static extern long NativeRank(IntPtr tensor);

    [DllImport(Library, EntryPoint = "THSTensor_size")]
    [SuppressGCTransition]
    private static extern long NativeSize(IntPtr tensor, long dim);

    [DllImport(Library, EntryPoint = "THSTensor_type")]
    [SuppressGCTransition]
    private static extern sbyte NativeType(IntPtr tensor);

    [DllImport(Library, EntryPoint = "THSTensor_device_type")]
    [SuppressGCTransition]
    private static extern int NativeDeviceType(IntPtr tensor);

    [DllImport(Library, EntryPoint = "THSTensor_device_index")]
    [SuppressGCTransition]
    private static extern int NativeDeviceIndex(IntPtr tensor);
}
