using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.Analyzers;

/// <summary>What a call that did not bind could be (half-typed code: the IDE while typing, a missing reference).</summary>
internal enum UnboundCallKind
{
    None,
    /// <summary>Could be a backward(): a backward may have run (suppresses CG0005 and CG0004's "before backward").</summary>
    MaybeBackward,
    /// <summary>Could be an optimizer step without closure: the pending gradients may be consumed (suppresses CG0002).</summary>
    MaybeStep,
    /// <summary>Could be a clipping call (suppresses CG0001).</summary>
    MaybeClip,
    /// <summary>Could clear gradients (suppresses CG0003; like a zero_grad it also ends an unclipped window for CG0001).</summary>
    MaybeClear,
}

internal sealed partial class TorchSymbols
{
    /// <summary>
    /// Silent in doubt: an invocation that did not bind (an <see cref="IInvalidOperation"/>) counts as "maybe" a
    /// training call when one of its candidate symbols is one, or, with no candidate at all because its receiver's
    /// type does not bind, when its name and argument count match one. A maybe only ever suppresses the
    /// diagnostic the real call would satisfy; it never causes one.
    /// </summary>
    /// <param name="model">The semantic model of the operation's tree (for the candidates); null: names only.</param>
    public UnboundCallKind ClassifyUnbound(IOperation operation, SemanticModel? model)
    {
        if (operation is not IInvalidOperation || operation.Syntax is not InvocationExpressionSyntax call)
        {
            return UnboundCallKind.None;
        }

        (string? name, ExpressionSyntax? receiver) = call.Expression switch
        {
            MemberAccessExpressionSyntax member => (member.Name.Identifier.ValueText, member.Expression),
            MemberBindingExpressionSyntax binding => (binding.Name.Identifier.ValueText, null),
            SimpleNameSyntax simple => (simple.Identifier.ValueText, null),
            _ => ((string?)null, (ExpressionSyntax?)null),
        };
        if (name is null || !IsTrainingCallName(name) || model is null || model.SyntaxTree != call.SyntaxTree)
        {
            return UnboundCallKind.None;
        }

        int arguments = call.ArgumentList.Arguments.Count;
        SymbolInfo info = model.GetSymbolInfo(call);
        if (!info.CandidateSymbols.IsEmpty)
        {
            foreach (IMethodSymbol candidate in info.CandidateSymbols.OfType<IMethodSymbol>())
            {
                UnboundCallKind kind = Maybe(ClassifyMethod(candidate), arguments);
                if (kind != UnboundCallKind.None && AcceptsArgumentCount(candidate, arguments))
                {
                    return kind;
                }
            }

            return UnboundCallKind.None;
        }

        // No candidate: only a receiver whose type is unknown leaves the call open (a known type without the
        // method is a plain compile error, not a training call).
        ITypeSymbol? receiverType = receiver is null ? null : model.GetTypeInfo(receiver).Type;
        if (receiver is not null && receiverType is not null && receiverType.TypeKind != TypeKind.Error)
        {
            return UnboundCallKind.None;
        }

        return name switch
        {
            "backward" or "Backward" => UnboundCallKind.MaybeBackward,
            "step" when arguments == 0 => UnboundCallKind.MaybeStep,
            "zero_grad" => UnboundCallKind.MaybeClear,
            "step" or "Step" => UnboundCallKind.None,
            _ when arguments > 0 => UnboundCallKind.MaybeClip,
            _ => UnboundCallKind.None,
        };
    }

    /// <summary><c>p.grad</c> on a receiver whose type does not bind: could be <c>Tensor.grad</c> (a hand-written clear when assigned).</summary>
    public bool MaybeGradProperty(IOperation? target, SemanticModel? model) =>
        target is IInvalidOperation or IPropertyReferenceOperation { Property.ContainingType.TypeKind: TypeKind.Error }
        && target.Syntax is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "grad" } member
        && model is not null && model.SyntaxTree == member.SyntaxTree
        && model.GetTypeInfo(member.Expression).Type is null or { TypeKind: TypeKind.Error };

    private static UnboundCallKind Maybe(TrainingCallKind kind, int arguments) => kind switch
    {
        TrainingCallKind.Backward => UnboundCallKind.MaybeBackward,
        TrainingCallKind.Step when arguments == 0 => UnboundCallKind.MaybeStep,
        TrainingCallKind.OptimizerZeroGrad or TrainingCallKind.ModuleZeroGrad => UnboundCallKind.MaybeClear,
        TrainingCallKind.Clip => UnboundCallKind.MaybeClip,
        _ => UnboundCallKind.None,
    };

    private static bool AcceptsArgumentCount(IMethodSymbol method, int arguments)
    {
        int required = method.Parameters.Count(p => !p.IsOptional && !p.IsParams);
        bool openEnded = method.Parameters.Any(p => p.IsParams);
        int count = method.IsExtensionMethod && method.ReducedFrom is null ? method.Parameters.Length - 1 : method.Parameters.Length;
        required = method.IsExtensionMethod && method.ReducedFrom is null ? Math.Max(0, required - 1) : required;
        return arguments >= required && (openEnded || arguments <= count);
    }
}
