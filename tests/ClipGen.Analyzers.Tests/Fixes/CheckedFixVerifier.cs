using ClipGen.Analyzers.Tests.FixCorpus;
using ClipGen.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis.CodeFixes;

namespace ClipGen.Analyzers.Tests.Fixes;

/// <summary>
/// Every fix test: the expected text (one by one and Fix All, by <see cref="CSharpCodeFixVerifier{TAnalyzer,TCodeFix}"/>),
/// then the re-analysis check of <see cref="FixCheck"/> on the fixed code (compiles, diagnostics gone, none new,
/// training semantics kept).
/// </summary>
public static class CheckedFixVerifier<TCodeFix>
    where TCodeFix : CodeFixProvider, new()
{
    private static readonly string FixedId = new TCodeFix().FixableDiagnosticIds.Single();

    public static async Task VerifyAsync(string source, string fixedSource, string? equivalenceKey = null, string? editorConfig = null, bool withClipGenRuntime = true)
    {
        await CSharpCodeFixVerifier<TrainingLoopAnalyzer, TCodeFix>.VerifyAsync(source, fixedSource, equivalenceKey, editorConfig, withClipGenRuntime);
        int fixedCount = System.Text.RegularExpressions.Regex.Matches(source, @"\{\|" + FixedId + ":").Count;
        FixCheck.Outcome outcome = FixCheck.Check(FixCheck.WithoutMarkup(source), FixCheck.WithoutMarkup(fixedSource), FixedId, withClipGenRuntime, fixedCount);
        Assert.True(outcome.Correct, string.Join("\n", outcome.Problems) + "\n--- fixed code ---\n" + FixCheck.WithoutMarkup(fixedSource));
    }

    public static Task VerifyNoFixAsync(string source, string? equivalenceKey = null) =>
        CSharpCodeFixVerifier<TrainingLoopAnalyzer, TCodeFix>.VerifyNoFixAsync(source, equivalenceKey);
}
