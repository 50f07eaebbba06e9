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
}
