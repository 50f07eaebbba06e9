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
/// <remarks>
/// State bits per program point (true = "on some path"):
/// P: a backward() has not been consumed by any optimizer's step yet; S: a step ran since the last backward();
/// I: a backward() ran in the current loop iteration (cleared on back-edges);
/// U[o]: a backward() reaches with no clipping or clearing since (for optimizer o; cleared by o.step());
/// L[o][z]: zero_grad z cleared pending gradients before o.step() consumed them.
/// A branch on a non-finite fact (<c>if (!clip.SkipStep) step();</c>, <c>if (double.IsFinite(norm))</c>…) discards the
/// pending gradients on its edge that cannot reach a step in the iteration: P is cleared there, so the next
/// iteration's zero_grad is the intended discard, not a CG0002 through the back-edge. A periodic guard
/// (<c>if ((i + 1) % k == 0) step();</c>) is not such a fact: its skipped iterations keep P (the accumulation bug).
/// A backward() is not tied to an optimizer (loss.backward() fills every parameter's .grad), so a step of any
/// optimizer consumes pending gradients (GAN loops: D's step, then G's zero_grad, is legitimate).
/// </remarks>
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
        into.Add(new Builder(cfg, symbols, helpers).Build(cancellationToken));
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

    private sealed class Builder
    {
        private const int P = 0, S = 1, I = 2, Fixed = 3;

        private readonly ControlFlowGraph _cfg;
        private readonly TorchSymbols _symbols;
        private readonly HelperEffects _helpers;
        private readonly List<OptimizerFlow> _optimizers = new();
        private readonly Dictionary<ISymbol, int> _optimizerBySymbol = new(SymbolEqualityComparer.Default);
        private readonly List<IInvocationOperation> _zeroGrads = new();
        private int _unknownOptimizer = -1;
        private HashSet<(int Source, bool Conditional)> _discardEdges = new();
        private readonly ImmutableArray<IInvocationOperation>.Builder _backwards = ImmutableArray.CreateBuilder<IInvocationOperation>();

        public Builder(ControlFlowGraph cfg, TorchSymbols symbols, HelperEffects helpers)
        {
            _cfg = cfg;
            _symbols = symbols;
            _helpers = helpers;
        }

        private int Width => Fixed + _optimizers.Count + (_optimizers.Count * _zeroGrads.Count);

        private int U(int optimizer) => Fixed + optimizer;

        private int L(int optimizer, int zeroGrad) => Fixed + _optimizers.Count + (optimizer * _zeroGrads.Count) + zeroGrad;

        public TrainingFlow Build(CancellationToken cancellationToken)
        {
            ImmutableArray<BasicBlock> blocks = _cfg.Blocks;
            var events = new List<TrainingEvent>[blocks.Length];
            for (int b = 0; b < blocks.Length; b++)
            {
                events[b] = new List<TrainingEvent>();
                if (!blocks[b].IsReachable)
                {
                    continue;
                }

                foreach (IOperation operation in BlockOperations(blocks[b]))
                {
                    Collect(operation, events[b]);
                }
            }

            var steps = ImmutableArray.CreateBuilder<StepFact>();
            var clips = ImmutableArray.CreateBuilder<ClipFact>();
            if (events.Any(e => e.Count > 0))
            {
                _discardEdges = DiscardEdges(blocks, events);
                bool[][] input = Solve(blocks, events, cancellationToken);
                for (int b = 0; b < blocks.Length; b++)
                {
                    if (blocks[b].IsReachable)
                    {
                        Replay(events[b], (bool[])input[b].Clone(), steps, clips);
                    }
                }

                foreach (StepFact step in steps)
                {
                    if (step.NoBackwardBeforeInIteration)
                    {
                        step.BackwardFollowsInIteration = BackwardFollows(blocks, events, step.Step);
                    }
                }
            }

            IOperation root = _cfg.OriginalOperation;
            var loops = ImmutableArray.CreateBuilder<LoopFact>();
            var clipCalls = ImmutableArray.CreateBuilder<IInvocationOperation>();
            CollectOriginal(root, loops, clipCalls);
            return new TrainingFlow(root, _optimizers.ToImmutableArray(), steps.ToImmutable(), clips.ToImmutable(), loops.ToImmutable(), clipCalls.ToImmutable(), _backwards.ToImmutable());
        }

        /// <summary>Post-order (evaluation order) walk of one CFG operation; lambdas have their own graph.</summary>
        private void Collect(IOperation operation, List<TrainingEvent> into)
        {
            if (operation is IFlowAnonymousFunctionOperation)
            {
                return;
            }

            foreach (IOperation child in operation.ChildOperations)
            {
                Collect(child, into);
            }

            if (operation is not IInvocationOperation invocation)
            {
                return;
            }

            TrainingCallKind kind = Classify(invocation);
            switch (kind)
            {
                case TrainingCallKind.Backward:
                    _backwards.Add(invocation);
                    into.Add(new TrainingEvent(kind, invocation, -1, -1));
                    break;
                case TrainingCallKind.Step or TrainingCallKind.OptimizerZeroGrad:
                    into.Add(new TrainingEvent(kind, invocation, OptimizerOf(invocation.Instance), kind == TrainingCallKind.OptimizerZeroGrad ? AddZeroGrad(invocation) : -1));
                    break;
                case TrainingCallKind.ModuleZeroGrad:
                    into.Add(new TrainingEvent(kind, invocation, -1, AddZeroGrad(invocation)));
                    break;
                case TrainingCallKind.Clip:
                    into.Add(new TrainingEvent(kind, invocation, -1, -1));
                    break;
            }
        }

        private TrainingCallKind Classify(IInvocationOperation invocation)
        {
            TrainingCallKind kind = _symbols.Classify(invocation);
            if (kind == TrainingCallKind.None && invocation.TargetMethod is { } method
                && (_helpers.Of(method) & HelperEffect.Clips) != 0)
            {
                return TrainingCallKind.Clip;
            }

            return kind;
        }

        private int AddZeroGrad(IInvocationOperation invocation)
        {
            _zeroGrads.Add(invocation);
            return _zeroGrads.Count - 1;
        }

        private int OptimizerOf(IOperation? receiver)
        {
            IOperation? unwrapped = Unwrap(receiver);
            ISymbol? symbol = unwrapped switch
            {
                ILocalReferenceOperation local => local.Local,
                IParameterReferenceOperation parameter => parameter.Parameter,
                IFieldReferenceOperation field => field.Field,
                IPropertyReferenceOperation property => property.Property,
                _ => null,
            };

            if (symbol is null)
            {
                if (_unknownOptimizer < 0)
                {
                    _optimizers.Add(new OptimizerFlow(null, receiver ?? _cfg.OriginalOperation));
                    _unknownOptimizer = _optimizers.Count - 1;
                }

                return _unknownOptimizer;
            }

            if (!_optimizerBySymbol.TryGetValue(symbol, out int index))
            {
                _optimizers.Add(new OptimizerFlow(symbol, unwrapped!));
                index = _optimizers.Count - 1;
                _optimizerBySymbol.Add(symbol, index);
            }

            return index;
        }

        internal static IOperation? Unwrap(IOperation? operation)
        {
            while (operation is IConversionOperation conversion)
            {
                operation = conversion.Operand;
            }

            return operation;
        }

        private bool[][] Solve(ImmutableArray<BasicBlock> blocks, List<TrainingEvent>[] events, CancellationToken cancellationToken)
        {
            int width = Width;
            var input = new bool[blocks.Length][];
            var output = new bool[blocks.Length][];
            for (int b = 0; b < blocks.Length; b++)
            {
                input[b] = new bool[width];
                output[b] = new bool[width];
            }

            bool changed = true;
            while (changed)
            {
                cancellationToken.ThrowIfCancellationRequested();
                changed = false;
                for (int b = 0; b < blocks.Length; b++)
                {
                    BasicBlock block = blocks[b];
                    if (!block.IsReachable)
                    {
                        continue;
                    }

                    bool[] state = new bool[width];
                    if (block.Predecessors.IsEmpty && block.Kind != BasicBlockKind.Entry)
                    {
                        // Entry of a catch/finally region: reachable from anywhere before it.
                        for (int q = 0; q < b; q++)
                        {
                            Or(state, output[q]);
                        }
                    }

                    foreach (ControlFlowBranch branch in block.Predecessors)
                    {
                        bool[] incoming = output[branch.Source.Ordinal];
                        if (IsBackEdge(branch) || _discardEdges.Contains((branch.Source.Ordinal, branch.IsConditionalSuccessor)))
                        {
                            incoming = (bool[])incoming.Clone();
                            incoming[I] &= !IsBackEdge(branch);
                            incoming[P] &= !_discardEdges.Contains((branch.Source.Ordinal, branch.IsConditionalSuccessor));
                        }

                        Or(state, incoming);
                    }

                    input[b] = (bool[])state.Clone();
                    Replay(events[b], state, null, null);
                    if (!state.SequenceEqual(output[b]))
                    {
                        output[b] = state;
                        changed = true;
                    }
                }
            }

            return input;
        }

        /// <summary>
        /// Edges (source block, conditional or fall-through) out of a branch on a non-finite fact that reach no step
        /// within the iteration while the other edge does: the path on which the step is skipped.
        /// </summary>
        private HashSet<(int Source, bool Conditional)> DiscardEdges(ImmutableArray<BasicBlock> blocks, List<TrainingEvent>[] events)
        {
            var edges = new HashSet<(int, bool)>();
            foreach (BasicBlock block in blocks)
            {
                if (!block.IsReachable || block.ConditionalSuccessor is not { } conditional || block.FallThroughSuccessor is not { } fallThrough
                    || block.BranchValue is not { } condition || !IsNonFiniteGuard(condition))
                {
                    continue;
                }

                bool conditionalSteps = StepWithinIteration(blocks, events, conditional);
                bool fallThroughSteps = StepWithinIteration(blocks, events, fallThrough);
                if (conditionalSteps != fallThroughSteps)
                {
                    edges.Add((block.Ordinal, !conditionalSteps));
                }
            }

            return edges;
        }

        private bool IsNonFiniteGuard(IOperation condition)
        {
            foreach (IOperation node in condition.DescendantsAndSelf())
            {
                if (_symbols.IsNonFiniteFact(node) || (node is ILocalReferenceOperation local && IsNonFiniteLocal(local.Local)))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary><c>bool finite = double.IsFinite(norm);</c>: a local whose every value is a non-finite fact.</summary>
        private bool IsNonFiniteLocal(ILocalSymbol local)
        {
            bool any = false;
            foreach (IOperation node in DescendantsOutsideNestedFunctions(_cfg.OriginalOperation))
            {
                bool writes = node switch
                {
                    IVariableDeclaratorOperation declarator => SymbolEqualityComparer.Default.Equals(declarator.Symbol, local),
                    IAssignmentOperation { Target: ILocalReferenceOperation target } => SymbolEqualityComparer.Default.Equals(target.Local, local),
                    _ => false,
                };
                if (!writes)
                {
                    continue;
                }

                IOperation? value = node switch
                {
                    IVariableDeclaratorOperation declarator => declarator.Initializer?.Value,
                    ISimpleAssignmentOperation assignment => assignment.Value,
                    _ => null, // compound assignment: mixes in something else
                };
                if (value is null || !value.DescendantsAndSelf().Any(_symbols.IsNonFiniteFact))
                {
                    return false;
                }

                any = true;
            }

            return any;
        }

        /// <summary>Whether a step is reached through <paramref name="branch"/> without crossing a loop back-edge.</summary>
        private static bool StepWithinIteration(ImmutableArray<BasicBlock> blocks, List<TrainingEvent>[] events, ControlFlowBranch branch)
        {
            if (branch.Destination is not { } start || IsBackEdge(branch))
            {
                return false;
            }

            var seen = new HashSet<int> { start.Ordinal };
            var work = new Stack<BasicBlock>();
            work.Push(start);
            while (work.Count > 0)
            {
                BasicBlock block = work.Pop();
                if (events[block.Ordinal].Any(e => e.Kind == TrainingCallKind.Step))
                {
                    return true;
                }

                foreach (ControlFlowBranch? next in new[] { block.FallThroughSuccessor, block.ConditionalSuccessor })
                {
                    if (next?.Destination is { } destination && !IsBackEdge(next) && seen.Add(destination.Ordinal))
                    {
                        work.Push(destination);
                    }
                }
            }

            return false;
        }

        private static bool IsBackEdge(ControlFlowBranch branch) =>
            branch.Destination is { } destination && branch.Source.Ordinal >= destination.Ordinal;

        private static void Or(bool[] into, bool[] from)
        {
            for (int i = 0; i < into.Length; i++)
            {
                into[i] |= from[i];
            }
        }

        /// <summary>The transfer function of a block; records facts when the builders are given (final pass).</summary>
        private void Replay(List<TrainingEvent> events, bool[] state, ImmutableArray<StepFact>.Builder? steps, ImmutableArray<ClipFact>.Builder? clips)
        {
            int optimizers = _optimizers.Count;
            foreach (TrainingEvent e in events)
            {
                switch (e.Kind)
                {
                    case TrainingCallKind.Backward:
                        state[P] = true;
                        state[S] = false;
                        state[I] = true;
                        for (int o = 0; o < optimizers; o++)
                        {
                            state[U(o)] = true;
                        }

                        break;

                    case TrainingCallKind.Step:
                        if (steps is not null)
                        {
                            var cleared = ImmutableArray.CreateBuilder<IInvocationOperation>();
                            for (int z = 0; z < _zeroGrads.Count; z++)
                            {
                                if (state[L(e.Optimizer, z)])
                                {
                                    cleared.Add(_zeroGrads[z]);
                                }
                            }

                            steps.Add(new StepFact(e.Invocation, e.Optimizer, state[U(e.Optimizer)], cleared.ToImmutable(), !state[I]));
                        }

                        state[P] = false;
                        state[S] = true;
                        state[U(e.Optimizer)] = false;
                        for (int z = 0; z < _zeroGrads.Count; z++)
                        {
                            state[L(e.Optimizer, z)] = false;
                        }

                        break;

                    case TrainingCallKind.OptimizerZeroGrad:
                        state[L(e.Optimizer, e.ZeroGrad)] |= state[P];
                        state[U(e.Optimizer)] = false;
                        break;

                    case TrainingCallKind.ModuleZeroGrad:
                        for (int o = 0; o < optimizers; o++)
                        {
                            state[L(o, e.ZeroGrad)] |= state[P];
                            state[U(o)] = false;
                        }

                        break;

                    case TrainingCallKind.Clip:
                        clips?.Add(new ClipFact(e.Invocation, state[P], state[S]));
                        for (int o = 0; o < optimizers; o++)
                        {
                            state[U(o)] = false;
                        }

                        break;
                }
            }
        }

        private static bool BackwardFollows(ImmutableArray<BasicBlock> blocks, List<TrainingEvent>[] events, IInvocationOperation step)
        {
            int start = Array.FindIndex(events, list => list.Any(e => e.Invocation == step));
            if (start < 0)
            {
                return false;
            }

            int position = events[start].FindIndex(e => e.Invocation == step);
            if (events[start].Skip(position + 1).Any(e => e.Kind == TrainingCallKind.Backward))
            {
                return true;
            }

            var seen = new HashSet<int> { start };
            var work = new Stack<BasicBlock>();
            work.Push(blocks[start]);
            while (work.Count > 0)
            {
                BasicBlock block = work.Pop();
                foreach (ControlFlowBranch? branch in new[] { block.FallThroughSuccessor, block.ConditionalSuccessor })
                {
                    if (branch?.Destination is not { } next || IsBackEdge(branch) || !seen.Add(next.Ordinal))
                    {
                        continue;
                    }

                    if (events[next.Ordinal].Any(e => e.Kind == TrainingCallKind.Backward))
                    {
                        return true;
                    }

                    work.Push(next);
                }
            }

            return false;
        }

        /// <summary>Loops and clipping calls of the original tree (not entering nested functions).</summary>
        private void CollectOriginal(IOperation root, ImmutableArray<LoopFact>.Builder loops, ImmutableArray<IInvocationOperation>.Builder clipCalls)
        {
            foreach (IOperation node in DescendantsOutsideNestedFunctions(root))
            {
                if (node is IInvocationOperation invocation && _symbols.Classify(invocation) == TrainingCallKind.Clip)
                {
                    clipCalls.Add(invocation);
                }
                else if (node is ILoopOperation loop)
                {
                    loops.Add(DescribeLoop(loop));
                }
            }
        }

        private LoopFact DescribeLoop(ILoopOperation loop)
        {
            bool hasBackward = false, clearsAll = false;
            var steps = ImmutableArray.CreateBuilder<(int, IInvocationOperation)>();
            var cleared = ImmutableHashSet.CreateBuilder<int>();
            foreach (IOperation node in DescendantsOutsideNestedFunctions(loop))
            {
                if (node is ISimpleAssignmentOperation assignment && _symbols.IsGradProperty(assignment.Target))
                {
                    clearsAll = true;
                }

                if (node is not IInvocationOperation invocation)
                {
                    continue;
                }

                switch (_symbols.Classify(invocation))
                {
                    case TrainingCallKind.Backward:
                        hasBackward = true;
                        break;
                    case TrainingCallKind.Step:
                        steps.Add((OptimizerOf(invocation.Instance), invocation));
                        break;
                    case TrainingCallKind.OptimizerZeroGrad:
                        cleared.Add(OptimizerOf(invocation.Instance));
                        break;
                    case TrainingCallKind.ModuleZeroGrad:
                        clearsAll = true;
                        break;
                    case TrainingCallKind.Clip:
                        clearsAll |= _symbols.IsAccumulatorStep(invocation);
                        break;
                    case TrainingCallKind.None:
                        clearsAll |= _symbols.IsManualGradClear(invocation)
                            || (invocation.TargetMethod is { } method && (_helpers.Of(method) & HelperEffect.ClearsGradients) != 0);
                        break;
                }
            }

            return new LoopFact(loop, hasBackward, steps.ToImmutable(), cleared.ToImmutable(), clearsAll);
        }

        private static IEnumerable<IOperation> DescendantsOutsideNestedFunctions(IOperation root)
        {
            var stack = new Stack<IOperation>();
            foreach (IOperation child in root.ChildOperations.Reverse())
            {
                stack.Push(child);
            }

            while (stack.Count > 0)
            {
                IOperation node = stack.Pop();
                if (node is IAnonymousFunctionOperation or ILocalFunctionOperation)
                {
                    continue;
                }

                yield return node;
                foreach (IOperation child in node.ChildOperations.Reverse())
                {
                    stack.Push(child);
                }
            }
        }
    }
}
