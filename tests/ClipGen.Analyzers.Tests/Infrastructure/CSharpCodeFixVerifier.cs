using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace ClipGen.Analyzers.Tests.Infrastructure;

/// <summary>Runs a code fix (and its Fix All) offline on sources with <c>{|ID:…|}</c> markup.</summary>
public static class CSharpCodeFixVerifier<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public sealed class Test : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    {
        public Test(bool withClipGenRuntime = true)
        {
            ReferenceAssemblies = TestReferences.Offline;
            OfflineTestSetup.Apply(TestState, withClipGenRuntime);
            OfflineTestSetup.Apply(FixedState, withClipGenRuntime);
            OfflineTestSetup.Apply(BatchFixedState, withClipGenRuntime);
        }
    }

    /// <summary>
    /// Applies the fix with <paramref name="equivalenceKey"/> (null: the first offered) to every diagnostic,
    /// one by one and through Fix All in document/project/solution, and compares with <paramref name="fixedSource"/>.
    /// </summary>
    public static Task VerifyAsync(string source, string fixedSource, string? equivalenceKey = null, string? editorConfig = null, bool withClipGenRuntime = true)
    {
        var test = new Test(withClipGenRuntime)
        {
            TestCode = source,
            FixedCode = fixedSource,
            CodeActionEquivalenceKey = equivalenceKey,
        };
        if (editorConfig is not null)
        {
            test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", editorConfig));
        }

        return test.RunAsync(CancellationToken.None);
    }

    /// <summary>Verifies that no fix is offered for the markup diagnostics of <paramref name="source"/>.</summary>
    public static Task VerifyNoFixAsync(string source, string? equivalenceKey = null)
    {
        var test = new Test
        {
            TestCode = source,
            FixedCode = source,
            CodeActionEquivalenceKey = equivalenceKey,
        };
        return test.RunAsync(CancellationToken.None);
    }
}
