using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.Analyzers;

/// <summary>
/// Operation-tree helpers shared by the analyzers, the generator and the fixes. In the root namespace so every
/// folder of both assemblies sees them without a using.
/// </summary>
internal static class OperationWalk
{
    /// <summary>
    /// The operand under every conversion, implicit or explicit: what a value IS (an <c>optim.Adam(…)</c> call, a
    /// field read) regardless of the type it is viewed as.
    /// </summary>
    public static IOperation? WithoutConversions(IOperation? operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }

    /// <summary>
    /// The operand under implicit conversions only: a cast the user wrote is kept, because code rewritten from the
    /// operation must keep its meaning.
    /// </summary>
    public static IOperation? WithoutImplicitConversions(IOperation? operation)
    {
        while (operation is IConversionOperation { IsImplicit: true } conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }

    /// <summary>Descendants of <paramref name="root"/> in pre-order, not entering lambdas or local functions (they have their own flow).</summary>
    public static IEnumerable<IOperation> DescendantsOutsideNestedFunctions(IOperation root)
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
