using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipGen;

/// <summary>
/// Keeps the gradients of a set of parameters in one contiguous tensor per (device, dtype), each
/// parameter's <c>.grad</c> being a view into it, so norm clipping costs two or three kernels whatever
/// the number of tensors (instead of a norm and a multiply per tensor).
/// </summary>
/// <remarks>
/// <para>
/// <c>backward()</c> accumulates into the views and <c>OptimizerHelper.zero_grad()</c> zeroes them in
/// place, so the aliasing survives an ordinary training loop. Anything that replaces a grad breaks it:
/// <c>Module.zero_grad()</c> (sets grads to null), <c>backward(create_graph: true)</c>, assigning
/// <c>p.grad</c>, resizing a parameter. Before every clip the buffer checks each parameter's grad
/// identity (one native call per parameter, no kernel) and then
/// </para>
/// <list type="bullet">
/// <item>null grad: the parameter's region is zeroed once and it is left out (it adds 0 to any
/// p-norm with p &gt; 0); null grads are never created;</item>
/// <item>another plain grad (no autograd history, same size, dtype and device): its values are copied
/// into the region and the view is put back (re-attached);</item>
/// <item>anything else (a grad with history, a resized parameter), or a norm type outside (0, ∞]: the
/// call clips the parameters' actual grads one tensor at a time. Stale memory is never clipped.</item>
/// </list>
/// <para>
/// Never attach a buffer to parameters driven by <c>LBFGS</c>: its <c>zero_grad()</c> aborts the
/// process when grads are views; <see cref="Attach(IEnumerable{Tensor}, optim.Optimizer)"/> refuses it.
/// </para>
/// <para>
/// Numbers: <c>‖concat(g₁…gₙ)‖ₚ = ‖(‖g₁‖ₚ, …, ‖gₙ‖ₚ)‖ₚ</c> for p in (0, ∞], so the flat norm equals
/// PyTorch's norm of per-tensor norms up to float rounding (a different summation order).
/// </para>
/// </remarks>
public sealed class GradientBuffer : IDisposable
{
    private static readonly ConditionalWeakTable<Tensor, GradientBuffer> s_owners = new();

    private readonly Tensor[] _parameters;
    private readonly GradientBufferSegment[] _segments;
    private bool _disposed;

    private GradientBuffer(Tensor[] parameters, GradientBufferSegment[] segments)
    {
        _parameters = parameters;
        _segments = segments;
    }

    /// <summary>The parameters, in the order given to <c>Attach</c>.</summary>
    public IReadOnlyList<Tensor> Parameters => _parameters;

    /// <summary>Total number of gradient elements held.</summary>
    public long ElementCount => _segments.Sum(s => s.Flat.numel());

    /// <summary>Number of contiguous tensors (one per device and dtype).</summary>
    public int SegmentCount => _segments.Length;

    /// <summary>How many grads were copied back into the buffer after being replaced.</summary>
    public long ReattachCount { get; private set; }

    /// <summary>How many clip calls could not use the flat tensors and clipped tensor by tensor.</summary>
    public long FallbackCount { get; private set; }

    /// <summary>
    /// Creates the buffer and makes every parameter's grad a view into it (current grad values are kept;
    /// null grads stay null until <c>backward()</c> creates them, then are adopted at the next clip).
    /// </summary>
    /// <param name="parameters">The parameters (typically <c>model.parameters()</c>); each at most once.</param>
    /// <param name="optimizer">The optimizer that will step them; <c>LBFGS</c> is refused.</param>
    /// <exception cref="NotSupportedException"><paramref name="optimizer"/> is <c>LBFGS</c>.</exception>
    /// <exception cref="ArgumentException">A parameter is repeated or already in another live buffer.</exception>
    public static GradientBuffer Attach(IEnumerable<Tensor> parameters, optim.Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(optimizer);
        if (optimizer is TorchSharp.Modules.LBFGS)
        {
            throw new NotSupportedException(
                "A GradientBuffer cannot be used with LBFGS: LBFGS.zero_grad() aborts the process when grads are views " +
                "into a shared tensor. Clip with GradClip.ClipGradNorm(parameters, ...) instead.");
        }

        Tensor[] list = parameters.ToArray();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (Tensor p in list)
        {
            ArgumentNullException.ThrowIfNull(p, nameof(parameters));
            if (!seen.Add(p))
            {
                throw new ArgumentException("A parameter appears more than once.", nameof(parameters));
            }

            if (s_owners.TryGetValue(p, out GradientBuffer? owner) && !owner._disposed)
            {
                throw new ArgumentException("A parameter already belongs to another live GradientBuffer; dispose it first.", nameof(parameters));
            }
        }

        var groups = list
            .Select((p, i) => (Index: i, Parameter: p))
            .GroupBy(x => (x.Parameter.device_type, x.Parameter.device_index, x.Parameter.dtype))
            .Select(g => new GradientBufferSegment(g.ToList()))
            .ToArray();
        var buffer = new GradientBuffer(list, groups);
        foreach (Tensor p in list)
        {
            s_owners.AddOrUpdate(p, buffer);
        }

        return buffer;
    }

    /// <summary>Attaches a buffer to all of <paramref name="model"/>'s parameters.</summary>
    /// <inheritdoc cref="Attach(IEnumerable{Tensor}, optim.Optimizer)"/>
    public static GradientBuffer Attach(nn.Module model, optim.Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Attach(model.parameters(), optimizer);
    }

    /// <summary>
    /// Clips like PyTorch's <c>clip_grad_norm_</c>: <c>total = ‖(‖g₁‖ₚ, …, ‖gₙ‖ₚ)‖ₚ</c> over non-null grads,
    /// <c>coef = min(maxNorm / (total + 1e-6), 1)</c>, every grad multiplied by <c>coef</c> (on CPU the
    /// multiply is skipped when <c>coef == 1</c>: same result).
    /// </summary>
    /// <param name="maxNorm">The largest allowed total norm (≥ 0).</param>
    /// <param name="normType">p of the p-norm; <see cref="double.PositiveInfinity"/> for the max norm.</param>
    /// <param name="errorIfNonFinite">Throw (leaving grads unchanged) when the total is NaN or infinite.</param>
    /// <returns>The total norm before clipping.</returns>
    public double ClipGradNorm(double maxNorm, double normType = 2.0, bool errorIfNonFinite = false) =>
        ClipGradNorm(maxNorm, normType, errorIfNonFinite ? NonFinitePolicy.Throw : NonFinitePolicy.Propagate).TotalNorm;

    /// <summary>Clips like <see cref="ClipGradNorm(double, double, bool)"/> with a non-finite policy.</summary>
    /// <param name="maxNorm">The largest allowed total norm (≥ 0).</param>
    /// <param name="normType">p of the p-norm; <see cref="double.PositiveInfinity"/> for the max norm.</param>
    /// <param name="nonFinite">What to do when the total is NaN or infinite.</param>
    public ClipResult ClipGradNorm(double maxNorm, double normType, NonFinitePolicy nonFinite)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        GradClipArguments.Validate(maxNorm, normType);
        bool fast = FlatNormApplies(normType) && Prepare();
        if (!fast)
        {
            FallbackCount++;
        }

        List<Tensor>? grads = fast ? null : CurrentGrads();
        try
        {
            using Tensor? total = fast ? FlatTotal(normType) : PerTensorClip.TotalNorm(grads!, normType);
            if (total is null)
            {
                return new ClipResult(0, 1, false, false, false);
            }

            IReadOnlyList<Tensor> targets = fast ? _segments.Select(s => s.Flat).ToArray() : grads!;
            return ClipTargets(targets, total, maxNorm, nonFinite);
        }
        finally
        {
            Dispose(grads);
        }
    }

    /// <summary>
    /// Checks every parameter's grad and re-attaches what can be, without clipping.
    /// </summary>
    /// <returns>Whether the next clip can use the flat tensors.</returns>
    public bool Verify()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Prepare();
    }

    /// <summary>
    /// Whether <paramref name="parameters"/> are exactly this buffer's parameters, in order.
    /// Reference comparison only: O(n), no native call.
    /// </summary>
    internal bool Covers(IReadOnlyList<Tensor> parameters)
    {
        if (_disposed || parameters.Count != _parameters.Length)
        {
            return false;
        }

        for (int i = 0; i < _parameters.Length; i++)
        {
            if (!ReferenceEquals(parameters[i], _parameters[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The live buffer whose parameters are exactly <paramref name="parameters"/>, if any.</summary>
    internal static GradientBuffer? FindCovering(IReadOnlyList<Tensor> parameters)
    {
        if (parameters.Count == 0 || !s_owners.TryGetValue(parameters[0], out GradientBuffer? buffer))
        {
            return null;
        }

        return buffer.Covers(parameters) ? buffer : null;
    }

    /// <summary>
    /// Releases the flat tensors' wrappers. The grads stay valid views (their memory is kept alive by
    /// the parameters); they simply stop being checked.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (GradientBufferSegment segment in _segments)
        {
            segment.Dispose();
        }

        foreach (Tensor p in _parameters)
        {
            if (s_owners.TryGetValue(p, out GradientBuffer? owner) && ReferenceEquals(owner, this))
            {
                s_owners.Remove(p);
            }
        }
    }

    // ‖concat‖ₚ equals the norm of per-tensor norms only for p in (0, ∞]; and a zeroed (vacant) region
    // adds nothing only there.
    private static bool FlatNormApplies(double normType) => normType > 0;

    private bool Prepare()
    {
        bool flat = true;
        foreach (GradientBufferSegment segment in _segments)
        {
            foreach (GradientBufferSlot slot in segment.Slots)
            {
                if (LibTorchSharpProbe.Numel(slot.Parameter) != slot.Count)
                {
                    flat = false;
                    continue;
                }

                IntPtr impl = LibTorchSharpProbe.GradImpl(slot.Parameter);
                if (impl == slot.ViewImpl)
                {
                    slot.Vacant = false;
                }
                else if (impl == IntPtr.Zero)
                {
                    if (!slot.Vacant)
                    {
                        slot.View.zero_();
                        slot.Vacant = true;
                    }
                }
                else if (GradientBufferSegment.CanAdopt(slot))
                {
                    GradientBufferSegment.Adopt(slot);
                    slot.Vacant = false;
                    ReattachCount++;
                }
                else
                {
                    flat = false;
                }
            }
        }

        return flat;
    }

    private Tensor FlatTotal(double normType)
    {
        if (_segments.Length == 1)
        {
            return linalg.vector_norm(_segments[0].Flat, normType);
        }

        Device first = _segments[0].Flat.device;
        var norms = new List<Tensor>(_segments.Length * 2);
        try
        {
            var onFirst = new List<Tensor>(_segments.Length);
            foreach (GradientBufferSegment segment in _segments)
            {
                Tensor n = linalg.vector_norm(segment.Flat, normType);
                norms.Add(n);
                Tensor moved = n.to(first);
                if (!ReferenceEquals(moved, n))
                {
                    norms.Add(moved);
                }

                onFirst.Add(moved);
            }

            using Tensor stacked = stack(onFirst);
            return linalg.vector_norm(stacked, normType);
        }
        finally
        {
            Dispose(norms);
        }
    }

    private static ClipResult ClipTargets(IReadOnlyList<Tensor> targets, Tensor total, double maxNorm, NonFinitePolicy nonFinite)
    {
        bool onCpu = targets.All(t => t.device_type == DeviceType.CPU && t.dtype == total.dtype);
        double totalValue = double.NaN;
        if (onCpu || nonFinite != NonFinitePolicy.Propagate)
        {
            totalValue = HostValue.Read(total);
            if (!double.IsFinite(totalValue))
            {
                if (nonFinite == NonFinitePolicy.Throw)
                {
                    throw NonFiniteTotal(totalValue);
                }

                if (nonFinite == NonFinitePolicy.SkipStep)
                {
                    return new ClipResult(totalValue, 1, false, true, true);
                }
            }
        }

        using (no_grad())
        {
            if (onCpu && ClipCoefficient.TryOnHost(total.dtype, totalValue, maxNorm, out double coef))
            {
                bool scaled = !(coef == 1.0);
                if (scaled)
                {
                    using Scalar s = coef.ToScalar();
                    foreach (Tensor t in targets)
                    {
                        t.mul_(s);
                    }
                }

                return new ClipResult(totalValue, coef, scaled, !double.IsFinite(totalValue), false);
            }

            using Tensor coefficient = ClipCoefficient.OnDevice(total, maxNorm);
            foreach (Tensor t in targets)
            {
                if (t.device_type == coefficient.device_type && t.device_index == coefficient.device_index)
                {
                    t.mul_(coefficient);
                }
                else
                {
                    using Tensor moved = coefficient.to(t.device);
                    t.mul_(moved);
                }
            }

            // The result type reports numbers: reading them is the one host sync of this path.
            totalValue = HostValue.Read(total);
            double c = HostValue.Read(coefficient);
            return new ClipResult(totalValue, c, !(c == 1.0), !double.IsFinite(totalValue), false);
        }
    }

    private static InvalidOperationException NonFiniteTotal(double total) =>
        new($"The total gradient norm is {total}: the gradients are not finite, so they were left unchanged " +
            "(error_if_nonfinite / NonFinitePolicy.Throw).");

    private List<Tensor> CurrentGrads()
    {
        var grads = new List<Tensor>(_parameters.Length);
        foreach (Tensor p in _parameters)
        {
            Tensor? g = p.grad;
            if (g is not null)
            {
                grads.Add(g);
            }
        }

        return grads;
    }

    private static void Dispose(List<Tensor>? tensors)
    {
        if (tensors is null)
        {
            return;
        }

        foreach (Tensor t in tensors)
        {
            t.Dispose();
        }
    }
}
