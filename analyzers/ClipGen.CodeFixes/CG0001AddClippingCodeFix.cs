using System.Composition;
using System.Globalization;
using ClipGen.Analyzers.Rules;
using ClipGen.Analyzers;
using ClipGen.Analyzers.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Simplification;

namespace ClipGen.CodeFixes;

/// <summary>
/// CG0001: inserts <c>torch.nn.utils.clip_grad_norm_(&lt;params&gt;, &lt;max_norm&gt;);</c> — or
/// <c>ClipGen.GradClip.ClipGradNorm(…)</c> when the runtime is referenced — right before the step.
/// <c>&lt;params&gt;</c> comes from the diagnostic (the optimizer's construction or the one model in scope; no fix
/// without it); <c>&lt;max_norm&gt;</c> from <c>.editorconfig</c> <c>clipgen.default_max_norm</c> (default 1.0).
/// </summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(CG0001AddClippingCodeFix)), Shared]
public sealed class CG0001AddClippingCodeFix : ClipGenCodeFixProvider
{
    public const string TorchSharpKey = "CG0001.ClipGradNorm.TorchSharp";
    public const string GradClipKey = "CG0001.ClipGradNorm.GradClip";
    public const string MaxNormOption = "clipgen.default_max_norm";

    public CG0001AddClippingCodeFix()
        : base(Descriptors.CG0001_MissingClipping)
    {
    }

    protected override IEnumerable<(string Title, string Key)> Offers(SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(DiagnosticProperties.Parameters, out string? parameters) || string.IsNullOrEmpty(parameters)
            || StatementEditing.StatementAt(root, diagnostic.Location) is null)
        {
            yield break;
        }

        yield return ("Clip gradients with torch.nn.utils.clip_grad_norm_ before the step", TorchSharpKey);
        if (TorchSymbols.For(model.Compilation)?.GradClip is not null)
        {
            yield return ("Clip gradients with ClipGen.GradClip.ClipGradNorm before the step", GradClipKey);
        }
    }

    protected override IEnumerable<SyntaxNode>? Apply(SyntaxEditor editor, SyntaxNode root, SemanticModel model, Document document, Diagnostic diagnostic, string key)
    {
        if (StatementEditing.StatementAt(root, diagnostic.Location) is not { } step
            || !diagnostic.Properties.TryGetValue(DiagnosticProperties.Parameters, out string? parameters) || parameters is null)
        {
            return null;
        }

        string function = key == GradClipKey ? "ClipGen.GradClip.ClipGradNorm" : "TorchSharp.torch.nn.utils.clip_grad_norm_";
        StatementSyntax clip = StatementEditing.NewStatement($"{function}({parameters}, {MaxNorm(document, root.SyntaxTree)});", step);
        clip = clip.ReplaceNode(((InvocationExpressionSyntax)((ExpressionStatementSyntax)clip).Expression).Expression,
            ((InvocationExpressionSyntax)((ExpressionStatementSyntax)clip).Expression).Expression.WithAdditionalAnnotations(Simplifier.Annotation));
        StatementEditing.InsertBefore(editor, step, clip);
        return new[] { step };
    }

    /// <summary><c>clipgen.default_max_norm</c> as a C# literal when it is a positive finite number; 1.0 otherwise.</summary>
    internal static string MaxNorm(Document document, SyntaxTree tree)
    {
        if (document.Project.AnalyzerOptions.AnalyzerConfigOptionsProvider.GetOptions(tree).TryGetValue(MaxNormOption, out string? text)
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            && value > 0 && !double.IsInfinity(value))
        {
            return CSharpText.DoubleLiteral(value);
        }

        return "1.0";
    }
}
