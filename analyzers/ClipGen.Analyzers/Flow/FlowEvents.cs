using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.Analyzers.Flow;

/// <summary>
/// The gradient-relevant calls of a control-flow graph, per block in evaluation order: the input of the dataflow
/// solve, the guard recognition and the graph walks. Read-only once collected.
/// </summary>
internal sealed class FlowEvents
{
    private FlowEvents(ImmutableArray<BasicBlock> blocks, ImmutableArray<ImmutableArray<TrainingEvent>> byBlock, ImmutableArray<IOperation> zeroGrads, ImmutableArray<IInvocationOperation> backwards)
    {
        Blocks = blocks;
        ByBlock = byBlock;
        ZeroGrads = zeroGrads;
        Backwards = backwards;
    }

    public ImmutableArray<BasicBlock> Blocks { get; }

    /// <summary>The events of each block (by ordinal); empty for unreachable blocks.</summary>
    public ImmutableArray<ImmutableArray<TrainingEvent>> ByBlock { get; }

    /// <summary>
    /// Every clearing (an optimizer's or module's zero_grad, <c>p.grad = null</c>, <c>p.grad.zero_()</c>,
    /// <c>p.grad.Dispose()</c>, a source helper that clears and does not step), numbered by <see cref="TrainingEvent.ZeroGrad"/>.
    /// </summary>
    public ImmutableArray<IOperation> ZeroGrads { get; }

    public ImmutableArray<IInvocationOperation> Backwards { get; }

    public bool IsEmpty => ByBlock.All(e => e.IsEmpty);

    public bool BlockHas(int block, TrainingCallKind kind) => ByBlock[block].Any(e => e.Kind == kind);

    public static FlowEvents Collect(ControlFlowGraph cfg, TorchSymbols symbols, HelperEffects helpers, OptimizerTable optimizers)
    {
        var collector = new Collector(symbols, helpers, optimizers, cfg.OriginalOperation.SemanticModel);
        ImmutableArray<BasicBlock> blocks = cfg.Blocks;
        var byBlock = ImmutableArray.CreateBuilder<ImmutableArray<TrainingEvent>>(blocks.Length);
        foreach (BasicBlock block in blocks)
        {
            var events = ImmutableArray.CreateBuilder<TrainingEvent>();
            if (block.IsReachable)
            {
                foreach (IOperation operation in TrainingFlow.BlockOperations(block))
                {
                    collector.Collect(operation, events);
                }
            }

            byBlock.Add(events.ToImmutable());
        }

        return new FlowEvents(blocks, byBlock.MoveToImmutable(), collector.ZeroGrads.ToImmutable(), collector.Backwards.ToImmutable());
    }

    private sealed class Collector
    {
        private readonly TorchSymbols _symbols;
        private readonly HelperEffects _helpers;
        private readonly OptimizerTable _optimizers;
        private readonly SemanticModel? _model;

        public Collector(TorchSymbols symbols, HelperEffects helpers, OptimizerTable optimizers, SemanticModel? model)
        {
            _symbols = symbols;
            _helpers = helpers;
            _optimizers = optimizers;
            _model = model;
        }

        public ImmutableArray<IOperation>.Builder ZeroGrads { get; } = ImmutableArray.CreateBuilder<IOperation>();
        public ImmutableArray<IInvocationOperation>.Builder Backwards { get; } = ImmutableArray.CreateBuilder<IInvocationOperation>();

        /// <summary>Post-order (evaluation order) walk of one CFG operation; lambdas have their own graph.</summary>
        public void Collect(IOperation operation, ImmutableArray<TrainingEvent>.Builder into)
        {
            if (operation is IFlowAnonymousFunctionOperation)
            {
                return;
            }

            foreach (IOperation child in operation.ChildOperations)
            {
                Collect(child, into);
            }

            if (operation is ISimpleAssignmentOperation assignment && _symbols.IsGradProperty(assignment.Target) && TorchSymbols.IsNullValue(assignment.Value))
            {
                // p.grad = null: the gradients backward() computed are gone (other values may be a rescaling).
                into.Add(new TrainingEvent(TrainingCallKind.ModuleZeroGrad, operation, -1, AddZeroGrad(operation)));
                return;
            }

            if (operation is not IInvocationOperation invocation)
            {
                UnboundCallKind maybe = _symbols.ClassifyUnbound(operation, _model);
                if (maybe != UnboundCallKind.None)
                {
                    into.Add(new TrainingEvent(TrainingCallKind.None, operation, -1, -1, maybe));
                }

                return;
            }

            TrainingCallKind kind = Classify(invocation);
            switch (kind)
            {
                case TrainingCallKind.Backward:
                    Backwards.Add(invocation);
                    into.Add(new TrainingEvent(kind, invocation, -1, -1));
                    break;
                case TrainingCallKind.Step:
                    into.Add(new TrainingEvent(kind, invocation, _optimizers.IndexOf(invocation.Instance), -1));
                    break;
                case TrainingCallKind.OptimizerZeroGrad:
                    into.Add(new TrainingEvent(kind, invocation, _optimizers.IndexOf(invocation.Instance), AddZeroGrad(invocation)));
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
            if (kind != TrainingCallKind.None)
            {
                return kind;
            }

            if (_symbols.IsHandWrittenGradClear(invocation))
            {
                return TrainingCallKind.ModuleZeroGrad;
            }

            HelperEffect effect = invocation.TargetMethod is { } method ? _helpers.Of(method) : HelperEffect.None;
            // A helper that also steps is a whole train step: its clearing is not between backward and step.
            return (effect & HelperEffect.Clips) != 0 ? TrainingCallKind.Clip
                : (effect & HelperEffect.Discards) != 0 && (effect & HelperEffect.Steps) == 0 ? TrainingCallKind.ModuleZeroGrad
                : TrainingCallKind.None;
        }

        private int AddZeroGrad(IOperation invocation)
        {
            ZeroGrads.Add(invocation);
            return ZeroGrads.Count - 1;
        }
    }
}
