using ClipGen.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;

namespace ClipGen.CodeFixes;

/// <summary>Statement-level edits shared by the fixes: insert and move statements, keeping comments and indentation.</summary>
internal static class StatementEditing
{
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

    /// <summary>Whether <see cref="InsertBefore"/> can put a statement before <paramref name="anchor"/>.</summary>
    public static bool CanInsertBefore(StatementSyntax anchor) => InList(anchor) || IsEmbedded(anchor);

    /// <summary>Whether <see cref="InsertAfter"/> can put a statement after <paramref name="anchor"/>.</summary>
    public static bool CanInsertAfter(StatementSyntax anchor) => InList(anchor) || anchor.Parent is IfStatementSyntax or ElseClauseSyntax;

    /// <summary>
    /// Inserts before <paramref name="anchor"/>; an embedded statement (<c>if (c) step();</c>, <c>while (c) step();</c>)
    /// becomes a block, so the new statement runs exactly when the anchor does.
    /// </summary>
    public static void InsertBefore(SyntaxEditor editor, StatementSyntax anchor, StatementSyntax statement)
    {
        if (anchor.Parent is GlobalStatementSyntax global)
        {
            editor.InsertBefore(global, SyntaxFactory.GlobalStatement(statement));
        }
        else if (InList(anchor))
        {
            editor.InsertBefore(anchor, statement);
        }
        else
        {
            editor.ReplaceNode(anchor, (current, _) => Wrap(statement.WithoutTrivia(), (StatementSyntax)current.WithoutTrivia(), current));
        }
    }

    /// <summary>Inserts after <paramref name="anchor"/>; an embedded statement of an if/else becomes a block.</summary>
    public static void InsertAfter(SyntaxEditor editor, StatementSyntax anchor, StatementSyntax statement)
    {
        switch (anchor.Parent)
        {
            case GlobalStatementSyntax global:
                editor.InsertAfter(global, SyntaxFactory.GlobalStatement(statement));
                break;
            case BlockSyntax or SwitchSectionSyntax:
                editor.InsertAfter(anchor, statement);
                break;
            default:
                editor.ReplaceNode(anchor, (current, _) => Wrap((StatementSyntax)current.WithoutTrivia(), statement.WithoutTrivia(), current));
                break;
        }
    }

    /// <summary>A statement that is the body of an if/else, loop, using, lock or fixed (not in a statement list).</summary>
    public static bool IsEmbedded(StatementSyntax statement) =>
        statement.Parent is IfStatementSyntax or ElseClauseSyntax or WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax
            or CommonForEachStatementSyntax or UsingStatementSyntax or LockStatementSyntax or FixedStatementSyntax
        && statement is not BlockSyntax;

    private static BlockSyntax Wrap(StatementSyntax first, StatementSyntax second, SyntaxNode original) =>
        SyntaxFactory.Block(Elastic(first), Elastic(second))
            .WithLeadingTrivia(original.GetLeadingTrivia())
            .WithTrailingTrivia(original.GetTrailingTrivia())
            .WithAdditionalAnnotations(Microsoft.CodeAnalysis.Formatting.Formatter.Annotation);

    private static StatementSyntax Elastic(StatementSyntax statement) =>
        statement.WithLeadingTrivia(SyntaxFactory.ElasticMarker).WithTrailingTrivia(SyntaxFactory.ElasticMarker);

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
