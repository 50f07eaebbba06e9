using System.Composition;
using ClipGen.Analyzers;
using ClipGen.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;

namespace ClipGen.CodeFixes;

/// <summary>CG0003: inserts <c>optimizer.zero_grad();</c> as the first statement of the loop body (a block).</summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(CG0003InsertZeroGradCodeFix)), Shared]
public sealed class CG0003InsertZeroGradCodeFix : ClipGenCodeFixProvider
{
    public const string Key = "CG0003.InsertZeroGrad";

    public CG0003InsertZeroGradCodeFix()
        : base(Descriptors.CG0003_GradientsNeverCleared)
    {
    }

    protected override IEnumerable<(string Title, string Key)> Offers(SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
    {
        if (Body(root, diagnostic) is not null && diagnostic.Properties.TryGetValue(DiagnosticProperties.Optimizer, out string? optimizer) && optimizer is not null)
        {
            yield return ($"Call {optimizer}.zero_grad() at the start of each iteration", Key);
        }
    }

    protected override IEnumerable<SyntaxNode>? Apply(SyntaxEditor editor, SyntaxNode root, SemanticModel model, Document document, Diagnostic diagnostic, string key)
    {
        if (Body(root, diagnostic) is not { } body || !diagnostic.Properties.TryGetValue(DiagnosticProperties.Optimizer, out string? optimizer) || optimizer is null)
        {
            return null;
        }

        string text = $"{optimizer}.zero_grad();";
        if (body.Statements.Count > 0)
        {
            StatementEditing.InsertBefore(editor, body.Statements[0], StatementEditing.NewStatement(text, body.Statements[0]));
        }
        else
        {
            editor.ReplaceNode(body, (current, _) => ((BlockSyntax)current)
                .AddStatements(Microsoft.CodeAnalysis.CSharp.SyntaxFactory.ParseStatement(text).WithAdditionalAnnotations(Formatter.Annotation)));
        }

        return new SyntaxNode[] { body };
    }

    private static BlockSyntax? Body(SyntaxNode root, Diagnostic diagnostic)
    {
        SyntaxNode? loop = root.FindToken(diagnostic.Location.SourceSpan.Start).Parent;
        return LoopSyntax.Body(loop) as BlockSyntax;
    }
}
