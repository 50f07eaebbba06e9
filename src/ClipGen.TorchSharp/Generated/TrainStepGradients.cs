using System.ComponentModel;
using static TorchSharp.torch;

namespace ClipGen.Generated;

/// <summary>
/// The flat gradient buffer of one generated <c>[ClipGradNorm]</c> train step (<c>FlatGradients = true</c>, the
/// default). For generated code: the generator declares one per train step and calls it instead of
/// <c>GradClip.ClipGradNorm(model.parameters(), …)</c>.
/// </summary>
/// <remarks>
/// <para>
/// The buffer is attached lazily, at the first clip (after the first <c>backward()</c>, so the current grads are
/// kept), to exactly the parameters the step clips and the optimizer it steps. It is attached again when either
/// changes (the model's parameters are compared by reference on every call: a replaced layer or <c>module.to(dtype)</c>
/// makes new parameter objects; assigning another optimizer makes a new optimizer object), the old buffer being
/// disposed first. Where <see cref="GradientBuffer.TryAttach"/> refuses (LBFGS, sparse gradients, …) the step
/// clips through <see cref="GradClip"/>, tensor by tensor, until the parameters or the optimizer change.
/// Grads that user code replaces or sets to null between steps are the buffer's own business (it re-adopts or
/// falls back per call), so training stays correct.
/// </para>
/// <para>Not thread-safe, like the train step that owns it.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TrainStepGradients
{
    private Tensor[]? _parameters;
    private optim.Optimizer? _optimizer;

    /// <summary>The attached buffer, or null before the first clip and while the buffer refuses the parameters.</summary>
    public GradientBuffer? Buffer { get; private set; }

    /// <summary>How many times a buffer was attached (or refused): 1 in a loop whose model and optimizer stay the same.</summary>
    public int AttachCount { get; private set; }

    /// <summary>
    /// Clips like <see cref="GradClip.ClipGradNorm(IEnumerable{Tensor}, double, double, NonFinitePolicy)"/> (PyTorch's
    /// <c>clip_grad_norm_</c>: <c>coef = min(maxNorm / (total + 1e-6), 1)</c>), through the flat buffer when it holds
    /// the parameters' grads.
    /// </summary>
    /// <param name="parameters">The parameters the step clips (<c>model.parameters()</c>).</param>
    /// <param name="optimizer">The optimizer the step steps.</param>
    /// <param name="maxNorm">The largest total norm allowed; ≥ 0 and not NaN.</param>
    /// <param name="normType">p: any p &gt; 0, or <see cref="double.PositiveInfinity"/>.</param>
    /// <param name="nonFinite">What to do when the total norm is NaN or infinite.</param>
    /// <returns>What the clip measured and did (one host read of the total).</returns>
    public ClipResult ClipGradNorm(IEnumerable<Tensor> parameters, optim.Optimizer optimizer, double maxNorm, double normType, NonFinitePolicy nonFinite)
    {
        Tensor[] list = Materialize(parameters);
        return BufferFor(list, optimizer) is { } buffer
            ? buffer.ClipGradNorm(maxNorm, normType, nonFinite)
            : GradClip.ClipGradNorm(list, maxNorm, normType, nonFinite);
    }

    /// <summary>
    /// Clips like <see cref="ClipGradNorm"/> with the non-finite policy <see cref="NonFinitePolicy.Propagate"/>,
    /// without reading anything to the host: the coefficient stays on the device and the multiply is always queued,
    /// as PyTorch does.
    /// </summary>
    /// <param name="parameters">The parameters the step clips (<c>model.parameters()</c>).</param>
    /// <param name="optimizer">The optimizer the step steps.</param>
    /// <param name="maxNorm">The largest total norm allowed; ≥ 0 and not NaN.</param>
    /// <param name="normType">p: any p &gt; 0, or <see cref="double.PositiveInfinity"/>.</param>
    /// <returns>The pre-clip total norm as a scalar tensor in the caller's DisposeScope.</returns>
    public Tensor ClipGradNormToTensor(IEnumerable<Tensor> parameters, optim.Optimizer optimizer, double maxNorm, double normType)
    {
        Tensor[] list = Materialize(parameters);
        return BufferFor(list, optimizer) is { } buffer
            ? buffer.ClipGradNormToTensor(maxNorm, normType)
            : GradClip.ClipGradNormToTensor(list, maxNorm, normType);
    }

    private static Tensor[] Materialize(IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return parameters as Tensor[] ?? parameters.ToArray();
    }

    /// <summary>The buffer for these parameters and this optimizer, attaching (or re-attaching) when they changed.</summary>
    private GradientBuffer? BufferFor(Tensor[] parameters, optim.Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (_parameters is not null && ReferenceEquals(optimizer, _optimizer) && SameReferences(parameters, _parameters))
        {
            return Buffer;
        }

        // Dispose turns the old buffer's views back into ordinary grads, so whatever optimizer comes next works.
        Buffer?.Dispose();
        Buffer = GradientBuffer.TryAttach(parameters, optimizer);
        _parameters = parameters;
        _optimizer = optimizer;
        AttachCount++;
        return Buffer;
    }

    private static bool SameReferences(Tensor[] a, Tensor[] b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (int i = 0; i < a.Length; i++)
        {
            if (!ReferenceEquals(a[i], b[i]))
            {
                return false;
            }
        }

        return true;
    }
}
