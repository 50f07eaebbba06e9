using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ClipGen.Analyzers;

/// <summary>Statement-level helpers the rules and the fixes use to point at and edit sibling statements.</summary>
internal static class SyntaxNavigation
{
    /// <summary>
    /// The expression statement whose whole expression is <paramref name="expression"/>, if any. With
    /// <paramref name="throughWrappers"/>, <c>(x.f());</c> and <c>await x.f();</c> count too: the rules use that to
    /// find the statement a call stands for; the fixes move statements and want the plain <c>x.f();</c> only.
    /// </summary>
    public static ExpressionStatementSyntax? OwnStatement(SyntaxNode expression, bool throughWrappers = true)
    {
        SyntaxNode node = expression;
        while (throughWrappers && node.Parent is ParenthesizedExpressionSyntax or AwaitExpressionSyntax)
        {
            node = node.Parent;
        }

        return node.Parent as ExpressionStatementSyntax;
    }

    /// <summary>
    /// <c>opt?.zero_grad()</c> for the <c>.zero_grad()</c> binding inside it: what the user reads as the call (the
    /// outermost conditional access whose accessed part holds <paramref name="node"/>), else the node itself.
    /// </summary>
    public static SyntaxNode WithConditionalReceiver(SyntaxNode node)
    {
        SyntaxNode result = node;
        for (SyntaxNode? n = node; n?.Parent is { } parent; n = parent)
        {
            if (parent is ConditionalAccessExpressionSyntax access && access.WhenNotNull.Span.Contains(node.Span))
            {
                result = access;
            }
            else if (parent is not ExpressionSyntax)
            {
                break;
            }
        }

        return result;
    }

    /// <summary>The statements of the block (or top-level program) holding <paramref name="statement"/>, and its index.</summary>
    public static (IReadOnlyList<StatementSyntax> Siblings, int Index) Siblings(StatementSyntax statement)
    {
        IReadOnlyList<StatementSyntax> siblings = statement.Parent switch
        {
            BlockSyntax block => block.Statements,
            SwitchSectionSyntax section => section.Statements,
            GlobalStatementSyntax { Parent: CompilationUnitSyntax unit } =>
                unit.Members.OfType<GlobalStatementSyntax>().Select(g => g.Statement).ToList(),
            _ => Array.Empty<StatementSyntax>(),
        };

        int index = -1;
        for (int i = 0; i < siblings.Count; i++)
        {
            if (siblings[i] == statement)
            {
                index = i;
            }
        }

        return (siblings, index);
    }

    public static bool ContainsAny(SyntaxNode node, IEnumerable<SyntaxNode> targets) =>
        targets.Any(t => node.Span.Contains(t.Span) && node.SyntaxTree == t.SyntaxTree);
}
