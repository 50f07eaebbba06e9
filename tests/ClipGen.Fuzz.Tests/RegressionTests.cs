using ClipGen.Fuzz.Tests.Infrastructure;

namespace ClipGen.Fuzz.Tests;

/// <summary>
/// The variants that crashed a component when the fuzzer found them (Regressions/*.cs, saved verbatim
/// from /tmp/clipgen-fuzz-failures), kept so they stay fixed.
/// </summary>
public class RegressionTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Regressions"), "*.cs").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_former_crash_stays_fixed(string file)
    {
        string source = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Regressions", file));
        var runner = new VariantRunner(RoslynComponents.Analyzers, RoslynComponents.Generators, RoslynComponents.CodeFixes);
        Assert.Empty(await runner.RunAsync(source));
    }
}
