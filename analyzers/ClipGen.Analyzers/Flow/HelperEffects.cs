using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.Analyzers.Flow;

/// <summary>What a source method's own body does to gradients (one level: its callees are not followed).</summary>
[Flags]
internal enum HelperEffect
{
    None = 0,
    Clips = 1,
    ClearsGradients = 2,
    /// <summary>It steps an optimizer (a whole train step: its clearing is not a clearing between backward and step).</summary>
    Steps = 4,
    /// <summary>It surely discards gradients (zero_grad, <c>p.grad = null</c>, <c>p.grad.zero_()</c>/<c>Dispose()</c>), not merely writes them.</summary>
    Discards = 8,
    /// <summary>It calls backward() (or something that did not bind and could be one).</summary>
    Backward = 16,
}

/// <summary>
/// Summaries of source helper methods (e.g. <c>void Clip() =&gt; clip_grad_norm_(…)</c>), computed lazily and
/// cached per compilation, so a call to a helper that clips counts as clipping.
/// </summary>
internal sealed class HelperEffects
{
    private readonly Compilation _compilation;
    private readonly TorchSymbols _symbols;
    private readonly ConcurrentDictionary<IMethodSymbol, HelperEffect> _cache = new(SymbolEqualityComparer.Default);

    public HelperEffects(Compilation compilation, TorchSymbols symbols)
    {
        _compilation = compilation;
        _symbols = symbols;
    }

    public HelperEffect Of(IMethodSymbol method)
    {
        method = method.OriginalDefinition;
        if (method.DeclaringSyntaxReferences.IsEmpty)
        {
            return HelperEffect.None;
        }

        return _cache.GetOrAdd(method, Compute);
    }

    private HelperEffect Compute(IMethodSymbol method)
    {
        HelperEffect effect = HelperEffect.None;
        foreach (SyntaxReference reference in method.DeclaringSyntaxReferences)
        {
            SyntaxNode syntax = reference.GetSyntax();
            if (!_compilation.ContainsSyntaxTree(syntax.SyntaxTree))
            {
                continue;
            }

            // Helpers live in other trees than the block being analyzed; the compiler's analyzer driver caches
            // semantic models per tree, and each helper is bound once per compilation (cached above).
#pragma warning disable RS1030 // Do not invoke Compilation.GetSemanticModel() method within a diagnostic analyzer
            SemanticModel model = _compilation.GetSemanticModel(syntax.SyntaxTree);
#pragma warning restore RS1030
            IOperation? body = model.GetOperation(syntax);
            if (body is null)
            {
                continue;
            }

            foreach (IOperation operation in body.DescendantsAndSelf())
            {
                effect |= operation switch
                {
                    IInvocationOperation invocation => _symbols.Classify(invocation) switch
                    {
                        TrainingCallKind.Clip => _symbols.IsAccumulatorStep(invocation) ? HelperEffect.Clips | HelperEffect.ClearsGradients : HelperEffect.Clips,
                        TrainingCallKind.OptimizerZeroGrad or TrainingCallKind.ModuleZeroGrad => HelperEffect.ClearsGradients | HelperEffect.Discards,
                        TrainingCallKind.Step or TrainingCallKind.ClosureStep => HelperEffect.Steps,
                        TrainingCallKind.Backward => HelperEffect.Backward,
                        _ when _symbols.IsHandWrittenGradClear(invocation) => HelperEffect.ClearsGradients | HelperEffect.Discards,
                        _ => _symbols.IsManualGradClear(invocation) ? HelperEffect.ClearsGradients : HelperEffect.None,
                    },
                    ISimpleAssignmentOperation assignment when _symbols.IsGradProperty(assignment.Target) =>
                        TorchSymbols.IsNullValue(assignment.Value) ? HelperEffect.ClearsGradients | HelperEffect.Discards : HelperEffect.ClearsGradients,
                    ISimpleAssignmentOperation assignment when _symbols.MaybeGradProperty(assignment.Target, model) => HelperEffect.ClearsGradients,
                    IInvalidOperation => _symbols.ClassifyUnbound(operation, model) switch
                    {
                        UnboundCallKind.MaybeClip => HelperEffect.Clips,
                        UnboundCallKind.MaybeClear => HelperEffect.ClearsGradients,
                        UnboundCallKind.MaybeBackward => HelperEffect.Backward,
                        _ => HelperEffect.None,
                    },
                    _ => HelperEffect.None,
                };
            }
        }

        return effect;
    }
}
