using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.Analyzers.Flow;

/// <summary>
/// The ordering facts of one executable body (method, local function or lambda: each has its own control-flow
/// graph), computed in ONE pass and shared by every rule. Per optimizer: where backward(), zero_grad(), clipping
/// and step() happen and what reaches each step on some path, loop back-edges included (a may-dataflow over the
/// CFG's blocks iterated to a fixed point).
/// </summary>
internal sealed class TrainingFlow
{
    private TrainingFlow(IOperation root, ImmutableArray<OptimizerFlow> optimizers, ImmutableArray<StepFact> steps, ImmutableArray<ClipFact> clips, ImmutableArray<LoopFact> loops, ImmutableArray<IInvocationOperation> clipCalls, ImmutableArray<IInvocationOperation> backwards)
    {
        Root = root;
        Optimizers = optimizers;
        Steps = steps;
        Clips = clips;
        Loops = loops;
        ClipCalls = clipCalls;
        Backwards = backwards;
    }

    /// <summary>The original (non-CFG) operation of the body.</summary>
    public IOperation Root { get; }
    public ImmutableArray<OptimizerFlow> Optimizers { get; }
    public ImmutableArray<StepFact> Steps { get; }
    public ImmutableArray<ClipFact> Clips { get; }
    public ImmutableArray<LoopFact> Loops { get; }

    /// <summary>Clipping calls of the original operation tree (constant arguments intact, for CG0006).</summary>
    public ImmutableArray<IInvocationOperation> ClipCalls { get; }
    /// <summary>The backward() calls of the body (CFG operations).</summary>
    public ImmutableArray<IInvocationOperation> Backwards { get; }
    public bool HasBackward => !Backwards.IsEmpty;
    public bool HasStep => !Steps.IsEmpty;

    /// <summary>Builds the flow of <paramref name="cfg"/> and, separately, of every local function and lambda inside it.</summary>
    public static void BuildAll(ControlFlowGraph cfg, TorchSymbols symbols, HelperEffects helpers, List<TrainingFlow> into, CancellationToken cancellationToken)
    {
        into.Add(Build(cfg, symbols, helpers, cancellationToken));
        foreach (IMethodSymbol localFunction in cfg.LocalFunctions)
        {
            BuildAll(cfg.GetLocalFunctionControlFlowGraph(localFunction, cancellationToken), symbols, helpers, into, cancellationToken);
        }

        foreach (BasicBlock block in cfg.Blocks)
        {
            foreach (IOperation operation in BlockOperations(block))
            {
                foreach (IOperation node in operation.DescendantsAndSelf())
                {
                    if (node is IFlowAnonymousFunctionOperation lambda && IsOutermostLambda(lambda, operation))
                    {
                        BuildAll(cfg.GetAnonymousFunctionControlFlowGraph(lambda, cancellationToken), symbols, helpers, into, cancellationToken);
                    }
                }
            }
        }
    }

    /// <summary>One body: events, then guards, dataflow and loop facts over them.</summary>
    private static TrainingFlow Build(ControlFlowGraph cfg, TorchSymbols symbols, HelperEffects helpers, CancellationToken cancellationToken)
    {
        IOperation root = cfg.OriginalOperation;
        var optimizers = new OptimizerTable(root);
        FlowEvents events = FlowEvents.Collect(cfg, symbols, helpers, optimizers);
        ImmutableArray<StepFact> steps = ImmutableArray<StepFact>.Empty;
        ImmutableArray<ClipFact> clips = ImmutableArray<ClipFact>.Empty;
        if (!events.IsEmpty)
        {
            HashSet<(int, bool)> discardEdges = NonFiniteGuards.DiscardEdges(events, symbols, root);
            (steps, clips) = GradientDataflow.Solve(events, optimizers.Count, discardEdges, cancellationToken);
        }

        ImmutableArray<LoopFact> loops = LoopFacts.Collect(root, symbols, helpers, optimizers);
        ImmutableArray<IInvocationOperation> clipCalls = OperationWalk.DescendantsOutsideNestedFunctions(root)
            .OfType<IInvocationOperation>()
            .Where(invocation => symbols.Classify(invocation) == TrainingCallKind.Clip)
            .ToImmutableArray();
        return new TrainingFlow(root, optimizers.ToImmutable(), steps, clips, loops, clipCalls, events.Backwards);
    }

    private static bool IsOutermostLambda(IFlowAnonymousFunctionOperation lambda, IOperation root)
    {
        for (IOperation? p = lambda.Parent; p is not null && p != root; p = p.Parent)
        {
            if (p is IFlowAnonymousFunctionOperation)
            {
                return false;
            }
        }

        return true;
    }

    internal static IEnumerable<IOperation> BlockOperations(BasicBlock block)
    {
        foreach (IOperation operation in block.Operations)
        {
            yield return operation;
        }

        if (block.BranchValue is { } branchValue)
        {
            yield return branchValue;
        }
    }
}
