using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.Analyzers.Flow;

/// <summary>One gradient-relevant call inside a control-flow block, in evaluation order.</summary>
internal readonly struct TrainingEvent
{
    public TrainingEvent(TrainingCallKind kind, IInvocationOperation invocation, int optimizer, int zeroGrad)
    {
        Kind = kind;
        Invocation = invocation;
        Optimizer = optimizer;
        ZeroGrad = zeroGrad;
    }

    public TrainingCallKind Kind { get; }

    /// <summary>The call (a control-flow-graph operation: use its <c>Syntax</c> for locations).</summary>
    public IInvocationOperation Invocation { get; }

    /// <summary>Index into <see cref="TrainingFlow.Optimizers"/> for step/zero_grad; -1 otherwise.</summary>
    public int Optimizer { get; }

    /// <summary>Index among the zero_grad calls of the flow (optimizer's or module's); -1 otherwise.</summary>
    public int ZeroGrad { get; }
}
