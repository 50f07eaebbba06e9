using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.Analyzers.Flow;

/// <summary>
/// The may-dataflow over a body's blocks, iterated to a fixed point, and the step/clip facts read off its solution.
/// </summary>
/// <remarks>
/// State bits per program point (true = "on some path"):
/// P: a backward() has not been consumed by any optimizer's step yet; S: a step ran since the last backward();
/// I: a backward() ran in the current loop iteration (cleared on back-edges);
/// U[o]: a backward() reaches with no clipping or clearing since (for optimizer o; cleared by o.step());
/// K[o]: a clip ran since o's last step (with U[o] at a step: some paths clip, some do not);
/// L[o][z]: zero_grad z cleared pending gradients before o.step() consumed them.
/// M: a call that did not bind and could be a backward() ran since the last step (silent in doubt: CG0004).
/// Calls that did not bind only ever clear bits that lead to a report, or set M and I, which suppress one.
/// P is cleared on the discard edges of non-finite guards (<see cref="NonFiniteGuards"/>).
/// A backward() is not tied to an optimizer (loss.backward() fills every parameter's .grad), so a step of any
/// optimizer consumes pending gradients (GAN loops: D's step, then G's zero_grad, is legitimate).
/// </remarks>
internal sealed class GradientDataflow
{
    private const int P = 0, S = 1, I = 2, M = 3, Fixed = 4;

    private readonly FlowEvents _events;
    private readonly int _optimizers;
    private readonly int _zeroGrads;
    private readonly HashSet<(int Source, bool Conditional)> _discardEdges;

    private GradientDataflow(FlowEvents events, int optimizers, HashSet<(int Source, bool Conditional)> discardEdges)
    {
        _events = events;
        _optimizers = optimizers;
        _zeroGrads = events.ZeroGrads.Length;
        _discardEdges = discardEdges;
    }

    private int Width => Fixed + (2 * _optimizers) + (_optimizers * _zeroGrads);

    private int U(int optimizer) => Fixed + optimizer;

    private int K(int optimizer) => Fixed + _optimizers + optimizer;

    private int L(int optimizer, int zeroGrad) => Fixed + (2 * _optimizers) + (optimizer * _zeroGrads) + zeroGrad;

    /// <summary>Solves the flow and returns the facts at every step and clip.</summary>
    public static (ImmutableArray<StepFact> Steps, ImmutableArray<ClipFact> Clips) Solve(
        FlowEvents events, int optimizers, HashSet<(int Source, bool Conditional)> discardEdges, CancellationToken cancellationToken)
    {
        var flow = new GradientDataflow(events, optimizers, discardEdges);
        bool[][] input = flow.FixedPoint(cancellationToken);
        var steps = ImmutableArray.CreateBuilder<StepFact>();
        var clips = ImmutableArray.CreateBuilder<ClipFact>();
        for (int b = 0; b < events.Blocks.Length; b++)
        {
            if (events.Blocks[b].IsReachable)
            {
                flow.Replay(b, (bool[])input[b].Clone(), steps, clips);
            }
        }

        return (steps.ToImmutable(), clips.ToImmutable());
    }

    private bool[][] FixedPoint(CancellationToken cancellationToken)
    {
        ImmutableArray<BasicBlock> blocks = _events.Blocks;
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
                    bool backEdge = GraphWalk.IsBackEdge(branch);
                    bool discard = _discardEdges.Contains((branch.Source.Ordinal, branch.IsConditionalSuccessor));
                    if (backEdge || discard)
                    {
                        incoming = (bool[])incoming.Clone();
                        incoming[I] &= !backEdge;
                        incoming[P] &= !discard;
                        incoming[M] &= !discard;
                    }

                    Or(state, incoming);
                }

                input[b] = (bool[])state.Clone();
                Replay(b, state, null, null);
                if (!state.SequenceEqual(output[b]))
                {
                    output[b] = state;
                    changed = true;
                }
            }
        }

        return input;
    }

    private static void Or(bool[] into, bool[] from)
    {
        for (int i = 0; i < into.Length; i++)
        {
            into[i] |= from[i];
        }
    }

    /// <summary>The transfer function of a block; records facts when the builders are given (final pass).</summary>
    private void Replay(int block, bool[] state, ImmutableArray<StepFact>.Builder? steps, ImmutableArray<ClipFact>.Builder? clips)
    {
        ImmutableArray<TrainingEvent> events = _events.ByBlock[block];
        for (int position = 0; position < events.Length; position++)
        {
            TrainingEvent e = events[position];
            switch (e.Kind)
            {
                case TrainingCallKind.Backward:
                    state[P] = true;
                    state[S] = false;
                    state[I] = true;
                    for (int o = 0; o < _optimizers; o++)
                    {
                        state[U(o)] = true;
                    }

                    break;

                case TrainingCallKind.Step:
                    if (steps is not null && e.Call is IInvocationOperation call)
                    {
                        steps.Add(StepFactAt(block, position, call, e.Optimizer, state));
                    }

                    state[P] = false;
                    state[M] = false;
                    state[S] = true;
                    state[U(e.Optimizer)] = false;
                    state[K(e.Optimizer)] = false;
                    for (int z = 0; z < _zeroGrads; z++)
                    {
                        state[L(e.Optimizer, z)] = false;
                    }

                    break;

                case TrainingCallKind.OptimizerZeroGrad:
                    state[L(e.Optimizer, e.ZeroGrad)] |= state[P];
                    state[U(e.Optimizer)] = false;
                    break;

                case TrainingCallKind.ModuleZeroGrad:
                    for (int o = 0; o < _optimizers; o++)
                    {
                        state[L(o, e.ZeroGrad)] |= state[P];
                        state[U(o)] = false;
                    }

                    break;

                case TrainingCallKind.Clip:
                    if (clips is not null && e.Call is IInvocationOperation clip)
                    {
                        clips.Add(new ClipFact(clip, state[P] || state[M], state[S]));
                    }

                    for (int o = 0; o < _optimizers; o++)
                    {
                        state[U(o)] = false;
                        state[K(o)] = true;
                    }

                    break;

                case TrainingCallKind.None:
                    Maybe(e.Maybe, state);
                    break;
            }
        }
    }

    private void Maybe(UnboundCallKind maybe, bool[] state)
    {
        switch (maybe)
        {
            case UnboundCallKind.MaybeBackward:
                state[I] = true;
                state[M] = true;
                break;
            case UnboundCallKind.MaybeStep:
                state[P] = false;
                state[M] = false;
                for (int o = 0; o < _optimizers; o++)
                {
                    for (int z = 0; z < _zeroGrads; z++)
                    {
                        state[L(o, z)] = false;
                    }
                }

                break;
            case UnboundCallKind.MaybeClip or UnboundCallKind.MaybeClear:
                for (int o = 0; o < _optimizers; o++)
                {
                    state[U(o)] = false;
                }

                break;
        }
    }

    private StepFact StepFactAt(int block, int position, IInvocationOperation step, int optimizer, bool[] state)
    {
        var cleared = ImmutableArray.CreateBuilder<IOperation>();
        for (int z = 0; z < _zeroGrads; z++)
        {
            if (state[L(optimizer, z)])
            {
                cleared.Add(_events.ZeroGrads[z]);
            }
        }

        bool noBackwardBefore = !state[I];
        bool unclipped = state[U(optimizer)];
        return new StepFact(
            step,
            optimizer,
            unclipped,
            unclipped && state[K(optimizer)],
            cleared.ToImmutable(),
            noBackwardBefore,
            noBackwardBefore && BackwardFollows(block, position),
            unclipped ? ClipsBeforeNextBackward(block, position) : ImmutableArray<IInvocationOperation>.Empty);
    }

    /// <summary>The clips reached from the event at <paramref name="position"/> before any backward() or step, in the same iteration.</summary>
    private ImmutableArray<IInvocationOperation> ClipsBeforeNextBackward(int block, int position)
    {
        var clips = ImmutableArray.CreateBuilder<IInvocationOperation>();
        if (FirstClipOrStop(_events.ByBlock[block], position + 1, clips))
        {
            GraphWalk.Search(_events.Blocks[block], b => FirstClipOrStop(_events.ByBlock[b], 0, clips));
        }

        return clips.ToImmutable();
    }

    /// <summary>Collects the clips of <paramref name="events"/> from <paramref name="start"/>; false (stop there) at a backward or step.</summary>
    private static bool FirstClipOrStop(ImmutableArray<TrainingEvent> events, int start, ImmutableArray<IInvocationOperation>.Builder clips)
    {
        for (int i = start; i < events.Length; i++)
        {
            switch (events[i].Kind)
            {
                case TrainingCallKind.Clip when events[i].Call is IInvocationOperation clip:
                    clips.Add(clip);
                    break;
                case TrainingCallKind.Backward or TrainingCallKind.Step:
                    return false;
            }
        }

        return true;
    }

    /// <summary>A backward() is reachable from the event at <paramref name="position"/> of <paramref name="block"/> without crossing a back-edge.</summary>
    private bool BackwardFollows(int block, int position)
    {
        ImmutableArray<TrainingEvent> events = _events.ByBlock[block];
        for (int i = position + 1; i < events.Length; i++)
        {
            if (events[i].Kind == TrainingCallKind.Backward)
            {
                return true;
            }
        }

        return GraphWalk.ReachesAfter(_events.Blocks[block], b => _events.BlockHas(b, TrainingCallKind.Backward));
    }
}
