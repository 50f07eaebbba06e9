using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.Analyzers.Flow;

/// <summary>An optimizer the flow tracks, keyed by the symbol its calls go through (local, field, parameter, property).</summary>
/// <param name="Symbol">Null when the receiver is not a symbol reference (e.g. a call): all such calls share one entry.</param>
/// <param name="Receiver">The receiver of the first call seen on this optimizer (for messages and fixes).</param>
internal sealed record OptimizerFlow(ISymbol? Symbol, IOperation Receiver)
{
    public string DisplayName => Symbol?.Name ?? Receiver.Syntax.ToString();
}

/// <summary>What holds at an <c>optimizer.step()</c> on the paths that reach it.</summary>
/// <param name="UnclippedBackwardReaches">Some path reaches the step from a backward() with no clipping (nor zero_grad) in between (CG0001).</param>
/// <param name="ClippedOnSomePath">With <paramref name="UnclippedBackwardReaches"/>: another path to the step does clip.</param>
/// <param name="ClearingZeroGrads">Clearings (zero_grad, or by hand: <c>p.grad = null</c>, a helper) that, on some path, cleared a backward's gradients before this step consumed them (CG0002).</param>
/// <param name="NoBackwardBeforeInIteration">No path reaches the step from a backward() of the same loop iteration.</param>
/// <param name="BackwardFollowsInIteration">A backward() is reachable from the step without crossing a loop back-edge.</param>
/// <param name="ClipsAfter">With <paramref name="UnclippedBackwardReaches"/>: clips reached from the step before the next backward() or step (a clip placed after it: CG0004).</param>
internal sealed record StepFact(
    IInvocationOperation Step,
    int Optimizer,
    bool UnclippedBackwardReaches,
    bool ClippedOnSomePath,
    ImmutableArray<IOperation> ClearingZeroGrads,
    bool NoBackwardBeforeInIteration,
    bool BackwardFollowsInIteration,
    ImmutableArray<IInvocationOperation> ClipsAfter)
{
    /// <summary>
    /// The step runs before the iteration's backward() (CG0005): it applies the previous iteration's gradients.
    /// Other rules defer to it: what they would see at this step is a consequence of the misplacement.
    /// </summary>
    public bool RunsBeforeBackward => NoBackwardBeforeInIteration && BackwardFollowsInIteration;
}

/// <summary>What holds at a clipping call (CG0004).</summary>
/// <param name="PendingBackwardReaches">Some path reaches the clip from a backward() not yet consumed by a step.</param>
/// <param name="StepReaches">Some path reaches the clip from a step() with no backward() since.</param>
internal sealed record ClipFact(IInvocationOperation Clip, bool PendingBackwardReaches, bool StepReaches);

/// <summary>A loop of the analyzed body and the training calls inside it (CG0003).</summary>
/// <param name="Steps">Non-closure steps anywhere in the loop (nested loops included).</param>
/// <param name="ClearedOptimizers">Optimizers whose zero_grad is called in the loop.</param>
/// <param name="ClearsAll">The loop clears every gradient (Module.zero_grad, p.grad = null, p.grad.zero_(), a helper that does).</param>
/// <param name="ComputesLoss">The loop calls a TorchSharp loss (a loss module or a <c>torch.nn.functional</c> loss).</param>
/// <param name="MayBackprop">Something in the loop could run a backward() the flow does not see: a <c>backward</c> token
/// (in a lambda, say), a helper that backprops, a call that did not bind and could, or a tensor handed to a
/// method outside TorchSharp, the BCL and the source (a library's own backward).</param>
internal sealed record LoopFact(
    ILoopOperation Loop,
    bool HasBackward,
    ImmutableArray<(int Optimizer, IInvocationOperation Step)> Steps,
    ImmutableHashSet<int> ClearedOptimizers,
    bool ClearsAll,
    bool ComputesLoss,
    bool MayBackprop)
{
    public bool Clears(int optimizer) => ClearsAll || ClearedOptimizers.Contains(optimizer);
}
