using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ClipGen.Analyzers.Rules;

/// <summary>Statement-level helpers the rules use to point fixes at sibling statements.</summary>
internal static class SyntaxNavigation
{
    /// <summary>The expression statement whose whole expression is <paramref name="invocation"/>, if any.</summary>
    public static StatementSyntax? OwnStatement(SyntaxNode invocation)
    {
        SyntaxNode node = invocation;
        while (node.Parent is ParenthesizedExpressionSyntax or AwaitExpressionSyntax)
        {
            node = node.Parent;
        }

        return node.Parent is ExpressionStatementSyntax statement ? statement : null;
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
