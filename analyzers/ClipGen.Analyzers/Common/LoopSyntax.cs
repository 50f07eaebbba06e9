using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ClipGen.Analyzers;

/// <summary>The four C# loop statements seen alike: whether a node is one and the statement it repeats.</summary>
internal static class LoopSyntax
{
    public static bool IsLoop(SyntaxNode? node) =>
        node is ForStatementSyntax or CommonForEachStatementSyntax or WhileStatementSyntax or DoStatementSyntax;

    /// <summary>The repeated statement of a <c>for</c>/<c>foreach</c>/<c>while</c>/<c>do</c>; null for anything else.</summary>
    public static StatementSyntax? Body(SyntaxNode? loop) => loop switch
    {
        ForStatementSyntax f => f.Statement,
        CommonForEachStatementSyntax f => f.Statement,
        WhileStatementSyntax w => w.Statement,
        DoStatementSyntax d => d.Statement,
        _ => null,
    };
}
