using System;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipGen.Internal;

/// <summary>
/// Reads a tensor's element count, rank, sizes, dtype, device, layout and (for a parameter) which tensor its
/// <c>.grad</c> is, through LibTorchSharp's <c>THSTensor_*</c> exports, without creating managed wrappers: the managed
/// getters cost ~0.5–1.5 µs each (a finalizable wrapper, DisposeScope bookkeeping, an array for <c>shape</c>) and
/// would dominate clipping many small tensors.
/// </summary>
/// <remarks>
/// <para>These exports are LibTorchSharp's internal ABI, not public TorchSharp API, so they are guarded three ways
/// (see <see cref="Enabled"/>): the loaded TorchSharp must be a version they were verified on
/// (<see cref="VerifiedMinor"/>); a one-time self-test at first use compares every probe with the managed API; and the
/// <c>AppContext</c> switch <see cref="DisableSwitch"/> turns them off. Off, every member falls back to the managed
/// API with the same results.</para>
/// <para>Grad identity is the address of the grad's <c>c10::TensorImpl</c>: an <c>at::Tensor</c> (what a TorchSharp
/// handle points to) holds one <c>intrusive_ptr&lt;TensorImpl&gt;</c>, so the first word behind a handle is the impl.
/// The self-test checks exactly that (two wrappers of one tensor agree, distinct tensors differ, setting
/// <c>p.grad</c> shows up).</para>
/// <para><c>SuppressGCTransition</c> is only on exports that read a field and return (numel, rank, size, dtype,
/// device, is_sparse). <c>THSTensor_grad</c> allocates an <c>at::Tensor</c> and <c>THSTensor_dispose</c> frees one
/// (the allocator may lock), so they are ordinary P/Invokes.</para>
/// </remarks>
internal static class NativeProbes
{
    /// <summary>The <c>AppContext</c> switch that turns the native probes off (read once, at first use).</summary>
    public const string DisableSwitch = "ClipGen.DisableNativeProbes";

    /// <summary>The TorchSharp minor version (0.x) whose LibTorchSharp exports the probes were verified on.</summary>
    public const int VerifiedMinor = 107;

    private const string Library = "LibTorchSharp";

    private static readonly object s_gate = new();
    private static volatile int s_state; // 0: not decided, 1: on, 2: off

    /// <summary>Why the probes are off (null while on or undecided): the switch, the version, or the self-test.</summary>
    public static string? DisabledReason { get; private set; }

    /// <summary>Whether the native probes are used: decided once (switch, version check, self-test).</summary>
    public static bool Enabled
    {
        get
        {
            int state = s_state;
            if (state == 0) state = Decide();
            return state == 1;
        }
    }

    /// <summary>Re-reads the switch and re-runs the checks (tests flip the switch in-process).</summary>
    internal static void Reset()
    {
        lock (s_gate)
        {
            s_state = 0;
            DisabledReason = null;
        }
    }

    /// <summary>The element count of <paramref name="tensor"/>.</summary>
    public static long Numel(Tensor tensor) => Enabled ? NativeNumel(tensor.Handle) : tensor.numel();

    /// <summary>The number of dimensions of <paramref name="tensor"/>.</summary>
    public static long Rank(Tensor tensor) => Enabled ? NativeRank(tensor.Handle) : tensor.dim();

    /// <summary>Whether <paramref name="tensor"/> is a sparse (COO) tensor.</summary>
    public static bool IsSparse(Tensor tensor) => Enabled ? NativeIsSparse(tensor.Handle) : tensor.is_sparse;

    /// <summary>Whether two tensors have the same shape.</summary>
    public static bool SameShape(Tensor a, Tensor b)
    {
        if (!Enabled) return a.shape.AsSpan().SequenceEqual(b.shape);
        IntPtr ha = a.Handle, hb = b.Handle;
        long rank = NativeRank(ha);
        if (rank != NativeRank(hb)) return false;
        for (long d = 0; d < rank; d++)
        {
            if (NativeSize(ha, d) != NativeSize(hb, d)) return false;
        }

        return true;
    }

    /// <summary>Whether <paramref name="tensor"/> has exactly the sizes <paramref name="shape"/>.</summary>
    public static bool HasShape(Tensor tensor, long[] shape)
    {
        if (!Enabled) return tensor.shape.AsSpan().SequenceEqual(shape);
        IntPtr h = tensor.Handle;
        if (NativeRank(h) != shape.Length) return false;
        for (int d = 0; d < shape.Length; d++)
        {
            if (NativeSize(h, d) != shape[d]) return false;
        }

        return true;
    }

    /// <summary>The dtype and device of <paramref name="tensor"/>, as one comparable value.</summary>
    public static (ScalarType DType, int DeviceType, int DeviceIndex) Kind(Tensor tensor)
    {
        if (!Enabled) return (tensor.dtype, (int)tensor.device_type, tensor.device_index);
        IntPtr h = tensor.Handle;
        return ((ScalarType)NativeType(h), NativeDeviceType(h), NativeDeviceIndex(h));
    }

    /// <summary>
    /// The impl address of <paramref name="parameter"/>'s grad (zero when null). Only while probes are
    /// <see cref="Enabled"/>: callers branch on it and use the managed API otherwise.
    /// </summary>
    public static IntPtr GradImpl(Tensor parameter)
    {
        IntPtr grad = NativeGrad(parameter.Handle);
        if (grad == IntPtr.Zero) return IntPtr.Zero;
        IntPtr impl = Marshal.ReadIntPtr(grad);
        NativeDispose(grad);
        return impl;
    }

    /// <summary>The impl address behind a live wrapper (probes on only).</summary>
    public static IntPtr Impl(Tensor tensor) => Marshal.ReadIntPtr(tensor.Handle);

    private static int Decide()
    {
        lock (s_gate)
        {
            if (s_state != 0) return s_state;
            string? reason = Refusal();
            DisabledReason = reason;
            s_state = reason is null ? 1 : 2;
            return s_state;
        }
    }

    private static string? Refusal()
    {
        if (AppContext.TryGetSwitch(DisableSwitch, out bool off) && off) return $"the AppContext switch {DisableSwitch} is set";
        Version? version = typeof(TorchSharp.torch).Assembly.GetName().Version;
        if (version is null || version.Major != 0 || version.Minor != VerifiedMinor)
            return $"TorchSharp {version} is not a version the probes were verified on (0.{VerifiedMinor}.x)";
        try
        {
            return SelfTest();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or ExternalException or InvalidOperationException)
        {
            return $"the self-test failed: {e.GetType().Name}: {e.Message}";
        }
    }

    /// <summary>Compares every probe with the managed API on tensors whose answers are known; null when all agree.</summary>
    private static string? SelfTest()
    {
        using DisposeScope scope = NewDisposeScope();
        Tensor a = zeros(new long[] { 2, 3 }, ScalarType.Float64);
        Tensor b = zeros(new long[] { 3, 2 }, ScalarType.Float32);
        Tensor c = zeros(new long[] { 2, 3 }, ScalarType.Float32);
        Tensor s = sparse_coo_tensor(zeros(new long[] { 1, 1 }, ScalarType.Int64), ones(1), new long[] { 4 });
        foreach (Tensor t in new[] { a, b, c, s })
        {
            if (NativeNumel(t.Handle) != t.numel() || NativeRank(t.Handle) != t.dim()) return "numel/rank disagree";
            if ((ScalarType)NativeType(t.Handle) != t.dtype || NativeDeviceType(t.Handle) != (int)t.device_type
                || NativeDeviceIndex(t.Handle) != t.device_index) return "dtype/device disagree";
            if (NativeIsSparse(t.Handle) != t.is_sparse) return "is_sparse disagrees";
            for (long d = 0; d < t.dim(); d++)
            {
                if (NativeSize(t.Handle, d) != t.shape[d]) return "size disagrees";
            }
        }

        Tensor p = zeros(3).requires_grad_();
        Tensor g1 = zeros(3);
        Tensor g2 = ones(3);
        if (GradImpl(p) != IntPtr.Zero) return "a null grad reads as non-null";
        p.grad = g1;
        IntPtr first = GradImpl(p);
        Tensor again = p.grad!;
        if (first == IntPtr.Zero || first != Impl(g1) || Impl(again) != first || GradImpl(p) != first) return "grad identity is not stable";
        p.grad = g2;
        if (GradImpl(p) != Impl(g2) || Impl(g2) == Impl(g1)) return "a replaced grad is not seen";
        p.grad = null;
        return GradImpl(p) == IntPtr.Zero ? null : "a cleared grad is not seen";
    }

    // Allocates an at::Tensor: an ordinary P/Invoke.
    [DllImport(Library, EntryPoint = "THSTensor_grad")]
    private static extern IntPtr NativeGrad(IntPtr tensor);

    // Frees an at::Tensor (the allocator may lock): an ordinary P/Invoke.
    [DllImport(Library, EntryPoint = "THSTensor_dispose")]
    private static extern void NativeDispose(IntPtr tensor);

    // Field reads, a few nanoseconds, no allocation, no lock, no callback: the GC transition would cost more.
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

    [DllImport(Library, EntryPoint = "THSTensor_is_sparse")]
    [SuppressGCTransition]
    private static extern byte NativeIsSparseByte(IntPtr tensor);

    private static bool NativeIsSparse(IntPtr tensor) => NativeIsSparseByte(tensor) != 0;
}
