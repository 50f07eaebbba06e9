using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace ClipGen.Analyzers.Tests.Infrastructure;

/// <summary>
/// Runs <typeparamref name="TAnalyzer"/> on sources with <c>{|ID:…|}</c> markup, offline (see <see cref="OfflineTestSetup"/>).
/// Reusable by any analyzer of the repository.
/// </summary>
public static class CSharpAnalyzerVerifier<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public sealed class Test : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    {
        public Test(bool withClipGenRuntime = true)
        {
            ReferenceAssemblies = TestReferences.Offline;
            OfflineTestSetup.Apply(TestState, withClipGenRuntime);
        }
    }

    /// <summary>Verifies the markup diagnostics of <paramref name="source"/> and that nothing else is reported.</summary>
    public static Task VerifyAsync(string source, params DiagnosticResult[] expected) =>
        VerifyAsync(source, withClipGenRuntime: true, expected);

    public static Task VerifyAsync(string source, bool withClipGenRuntime, params DiagnosticResult[] expected)
    {
        var test = new Test(withClipGenRuntime) { TestCode = source };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    /// <summary>Half-typed code: compiler errors are allowed, the analyzer must not throw (AD0001) nor report anything unexpected.</summary>
    public static Task VerifyTolerantAsync(string source)
    {
        var test = new Test { TestCode = source, CompilerDiagnostics = CompilerDiagnostics.None };
        return test.RunAsync(CancellationToken.None);
    }

    public static DiagnosticResult Diagnostic(string id) => new DiagnosticResult(id, DiagnosticSeverity.Warning);
}
