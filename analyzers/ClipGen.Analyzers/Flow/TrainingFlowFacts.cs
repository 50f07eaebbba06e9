using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.Analyzers.Flow;

/// <summary>An optimizer the flow tracks, keyed by the symbol its calls go through (local, field, parameter, property).</summary>
internal sealed class OptimizerFlow
{
    public OptimizerFlow(ISymbol? symbol, IOperation receiver)
    {
        Symbol = symbol;
        Receiver = receiver;
    }

    /// <summary>Null when the receiver is not a symbol reference (e.g. a call): all such calls share one entry.</summary>
    public ISymbol? Symbol { get; }

    /// <summary>The receiver of the first call seen on this optimizer (for messages and fixes).</summary>
    public IOperation Receiver { get; }

    public string DisplayName => Symbol?.Name ?? Receiver.Syntax.ToString();
}

/// <summary>What holds at an <c>optimizer.step()</c> on the paths that reach it.</summary>
internal sealed class StepFact
{
    public StepFact(IInvocationOperation step, int optimizer, bool unclippedBackwardReaches, ImmutableArray<IInvocationOperation> clearingZeroGrads, bool noBackwardBeforeInIteration)
    {
        Step = step;
        Optimizer = optimizer;
        UnclippedBackwardReaches = unclippedBackwardReaches;
        ClearingZeroGrads = clearingZeroGrads;
        NoBackwardBeforeInIteration = noBackwardBeforeInIteration;
    }

    public IInvocationOperation Step { get; }
    public int Optimizer { get; }

    /// <summary>Some path reaches the step from a backward() with no clipping (nor zero_grad) in between (CG0001).</summary>
    public bool UnclippedBackwardReaches { get; }

    /// <summary>zero_grad calls that, on some path, cleared a backward's gradients before this step consumed them (CG0002).</summary>
    public ImmutableArray<IInvocationOperation> ClearingZeroGrads { get; }

    /// <summary>No path reaches the step from a backward() of the same loop iteration (CG0005, with <see cref="BackwardFollowsInIteration"/>).</summary>
    public bool NoBackwardBeforeInIteration { get; }

    /// <summary>A backward() is reachable from the step without crossing a loop back-edge.</summary>
    public bool BackwardFollowsInIteration { get; internal set; }
}

/// <summary>What holds at a clipping call (CG0004).</summary>
internal sealed class ClipFact
{
    public ClipFact(IInvocationOperation clip, bool pendingBackwardReaches, bool stepReaches)
    {
        Clip = clip;
        PendingBackwardReaches = pendingBackwardReaches;
        StepReaches = stepReaches;
    }

    public IInvocationOperation Clip { get; }

    /// <summary>Some path reaches the clip from a backward() not yet consumed by a step.</summary>
    public bool PendingBackwardReaches { get; }

    /// <summary>Some path reaches the clip from a step() with no backward() since.</summary>
    public bool StepReaches { get; }
}

/// <summary>A loop of the analyzed body and the training calls inside it (CG0003).</summary>
internal sealed class LoopFact
{
    public LoopFact(ILoopOperation loop, bool hasBackward, ImmutableArray<(int Optimizer, IInvocationOperation Step)> steps, ImmutableHashSet<int> clearedOptimizers, bool clearsAll)
    {
        Loop = loop;
        HasBackward = hasBackward;
        Steps = steps;
        ClearedOptimizers = clearedOptimizers;
        ClearsAll = clearsAll;
    }

    public ILoopOperation Loop { get; }
    public bool HasBackward { get; }

    /// <summary>Non-closure steps anywhere in the loop (nested loops included).</summary>
    public ImmutableArray<(int Optimizer, IInvocationOperation Step)> Steps { get; }

    /// <summary>Optimizers whose zero_grad is called in the loop.</summary>
    public ImmutableHashSet<int> ClearedOptimizers { get; }

    /// <summary>The loop clears every gradient (Module.zero_grad, p.grad = null, p.grad.zero_(), a helper that does).</summary>
    public bool ClearsAll { get; }

    public bool Clears(int optimizer) => ClearsAll || ClearedOptimizers.Contains(optimizer);
}
