using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipGen.Benchmarks.Steps;

/// <summary>
/// An optimizer whose zero_grad and step do nothing, so the grads survive from step to step and a train step
/// built on it costs its clip plus a small constant (a one-element loss, its backward, the step's scope).
/// </summary>
/// <remarks>The buffer only refuses LBFGS, so it attaches to this optimizer as to SGD or Adam.</remarks>
public sealed class ClipOnlyOptimizer(IReadOnlyList<Parameter> parameters) : optim.Optimizer(IntPtr.Zero)
{
    private readonly IReadOnlyList<Parameter> _parameters = parameters;

    public override void zero_grad()
    {
    }

    public override Tensor step(Func<Tensor>? closure = null) => null!;

    public override IEnumerable<Parameter> parameters() => _parameters;

    // No native optimizer behind the zero handle: nothing to free.
    protected override void Dispose(bool disposing)
    {
    }
}
