using ClipGen.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;

namespace ClipGen.CodeFixes;

/// <summary>Statement-level edits shared by the fixes: insert and move statements, keeping comments and indentation.</summary>
internal static class StatementEditing
{
    /// <summary>The statement that is exactly the diagnostic's span or holds it, if it sits in a statement list.</summary>
    public static StatementSyntax? StatementAt(SyntaxNode root, Location location)
    {
        SyntaxNode? node = root.FindNode(location.SourceSpan, getInnermostNodeForTie: true);
        for (; node is not null; node = node.Parent)
        {
            if (node is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)
            {
                return null;
            }

            if (node is StatementSyntax statement && InList(statement))
            {
                return statement;
            }
        }

        return null;
    }

    /// <summary>The expression statement whose whole expression is the invocation at <paramref name="location"/>.</summary>
    public static ExpressionStatementSyntax? OwnStatementAt(SyntaxNode root, Location location)
    {
        return root.FindNode(location.SourceSpan, getInnermostNodeForTie: true) is InvocationExpressionSyntax invocation
            ? SyntaxNavigation.OwnStatement(invocation, throughWrappers: false)
            : null;
    }

    public static bool InList(StatementSyntax statement) =>
        statement.Parent is BlockSyntax or SwitchSectionSyntax or GlobalStatementSyntax;

    /// <summary><paramref name="text"/> parsed as a statement, indented like <paramref name="like"/>.</summary>
    public static StatementSyntax NewStatement(string text, StatementSyntax like) =>
        SyntaxFactory.ParseStatement(text)
            .WithLeadingTrivia(Indentation(like))
            .WithTrailingTrivia(EndOfLine(like));

    public static void InsertBefore(SyntaxEditor editor, StatementSyntax anchor, StatementSyntax statement)
    {
        if (anchor.Parent is GlobalStatementSyntax global)
        {
            editor.InsertBefore(global, SyntaxFactory.GlobalStatement(statement));
        }
        else
        {
            editor.InsertBefore(anchor, statement);
        }
    }

    /// <summary>Inserts after <paramref name="anchor"/>; an embedded statement (<c>if (c) step();</c>) becomes a block.</summary>
    public static bool InsertAfter(SyntaxEditor editor, StatementSyntax anchor, StatementSyntax statement)
    {
        switch (anchor.Parent)
        {
            case GlobalStatementSyntax global:
                editor.InsertAfter(global, SyntaxFactory.GlobalStatement(statement));
                return true;
            case BlockSyntax or SwitchSectionSyntax:
                editor.InsertAfter(anchor, statement);
                return true;
            case IfStatementSyntax or ElseClauseSyntax:
                editor.ReplaceNode(anchor, (current, _) => SyntaxFactory.Block((StatementSyntax)current.WithoutTrivia(), statement.WithoutTrivia())
                    .WithLeadingTrivia(current.GetLeadingTrivia())
                    .WithTrailingTrivia(current.GetTrailingTrivia())
                    .WithAdditionalAnnotations(Microsoft.CodeAnalysis.Formatting.Formatter.Annotation));
                return true;
            default:
                return false;
        }
    }

    /// <summary>Removes <paramref name="statement"/> with its own trivia (the moved copy keeps its comments).</summary>
    public static void Remove(SyntaxEditor editor, StatementSyntax statement) =>
        editor.RemoveNode(statement.Parent is GlobalStatementSyntax global ? global : statement, SyntaxRemoveOptions.KeepNoTrivia);

    /// <summary>A copy of <paramref name="moved"/> to put next to <paramref name="anchor"/>: its comments, the anchor's indentation.</summary>
    public static StatementSyntax MovedCopy(StatementSyntax moved, StatementSyntax anchor)
    {
        SyntaxTriviaList indentation = Indentation(anchor);
        var leading = new List<SyntaxTrivia>();
        foreach (SyntaxTrivia trivia in moved.GetLeadingTrivia())
        {
            if (trivia.IsKind(SyntaxKind.WhitespaceTrivia))
            {
                leading.AddRange(indentation);
            }
            else
            {
                leading.Add(trivia);
            }
        }

        if (!moved.GetLeadingTrivia().Any(t => t.IsKind(SyntaxKind.WhitespaceTrivia)))
        {
            leading.InsertRange(0, indentation);
        }

        SyntaxTriviaList trailing = moved.GetTrailingTrivia();
        return moved.WithLeadingTrivia(leading)
            .WithTrailingTrivia(trailing.Any(t => t.IsKind(SyntaxKind.EndOfLineTrivia)) ? trailing : trailing.AddRange(EndOfLine(anchor)));
    }

    /// <summary>Names declared by the statements strictly between two siblings (moving across them must not capture any).</summary>
    public static bool UsesNamesDeclaredBetween(StatementSyntax moved, StatementSyntax from, StatementSyntax to)
    {
        if (from.Parent != to.Parent || from.Parent is null)
        {
            return true;
        }

        int start = Math.Min(from.SpanStart, to.SpanStart), end = Math.Max(from.Span.End, to.Span.End);
        var declared = new HashSet<string>(from.Parent.ChildNodes()
            .Where(n => n.SpanStart >= start && n.Span.End <= end && n != moved)
            .SelectMany(n => n.DescendantNodesAndSelf())
            .Select(n => n switch
            {
                VariableDeclaratorSyntax v => v.Identifier.ValueText,
                SingleVariableDesignationSyntax d => d.Identifier.ValueText,
                _ => null,
            })
            .OfType<string>());
        return moved.DescendantNodes().OfType<IdentifierNameSyntax>().Any(i => declared.Contains(i.Identifier.ValueText));
    }

    private static SyntaxTriviaList Indentation(StatementSyntax like)
    {
        SyntaxTriviaList leading = like.GetLeadingTrivia();
        return leading.Count > 0 && leading.Last().IsKind(SyntaxKind.WhitespaceTrivia)
            ? SyntaxFactory.TriviaList(leading.Last())
            : SyntaxFactory.TriviaList();
    }

    private static SyntaxTriviaList EndOfLine(StatementSyntax like)
    {
        SyntaxTrivia eol = like.GetTrailingTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        return SyntaxFactory.TriviaList(eol.IsKind(SyntaxKind.EndOfLineTrivia) ? eol : SyntaxFactory.ElasticLineFeed);
    }
}
