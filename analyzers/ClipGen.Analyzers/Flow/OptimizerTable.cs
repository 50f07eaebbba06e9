using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.Analyzers.Flow;

/// <summary>
/// The optimizers of one body, numbered in the order their calls are met; the number is the index into
/// <see cref="TrainingFlow.Optimizers"/> and the optimizer's bit in the dataflow state.
/// </summary>
internal sealed class OptimizerTable
{
    private readonly IOperation _root;
    private readonly List<OptimizerFlow> _optimizers = new();
    private readonly Dictionary<ISymbol, int> _bySymbol = new(SymbolEqualityComparer.Default);
    private int _unknown = -1;

    /// <param name="root">The body's operation: where calls on no symbol are reported when they have no receiver.</param>
    public OptimizerTable(IOperation root) => _root = root;

    public int Count => _optimizers.Count;

    /// <summary>The number of the optimizer <paramref name="receiver"/> refers to; calls on something that is not a symbol share one number.</summary>
    public int IndexOf(IOperation? receiver)
    {
        IOperation? unwrapped = OperationWalk.WithoutConversions(receiver);
        ISymbol? symbol = unwrapped switch
        {
            ILocalReferenceOperation local => local.Local,
            IParameterReferenceOperation parameter => parameter.Parameter,
            IFieldReferenceOperation field => field.Field,
            IPropertyReferenceOperation property => property.Property,
            IFlowCaptureReferenceOperation capture => ReceiverOfConditionalAccess(capture),
            IConditionalAccessInstanceOperation instance => ReceiverOfConditionalAccess(instance),
            _ => null,
        };

        if (symbol is null)
        {
            if (_unknown < 0)
            {
                _optimizers.Add(new OptimizerFlow(null, receiver ?? _root));
                _unknown = _optimizers.Count - 1;
            }

            return _unknown;
        }

        if (!_bySymbol.TryGetValue(symbol, out int index))
        {
            _optimizers.Add(new OptimizerFlow(symbol, unwrapped!));
            index = _optimizers.Count - 1;
            _bySymbol.Add(symbol, index);
        }

        return index;
    }

    /// <summary>
    /// <c>optimizer?.step()</c>: the receiver is the conditional access's instance (a flow capture in the graph)
    /// whose syntax is the optimizer's name, so it is the same optimizer as in <c>optimizer.zero_grad()</c>.
    /// </summary>
    private ISymbol? ReceiverOfConditionalAccess(IOperation instance)
    {
        SemanticModel? model = _root.SemanticModel;
        if (instance.Syntax.Parent is not ConditionalAccessExpressionSyntax access || access.Expression != instance.Syntax
            || model is null || model.SyntaxTree != access.SyntaxTree)
        {
            return null;
        }

        return model.GetSymbolInfo(access.Expression).Symbol is { } symbol and (ILocalSymbol or IParameterSymbol or IFieldSymbol or IPropertySymbol)
            ? symbol
            : null;
    }

    public ImmutableArray<OptimizerFlow> ToImmutable() => _optimizers.ToImmutableArray();
}
