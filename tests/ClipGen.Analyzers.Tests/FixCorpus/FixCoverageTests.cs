using System.Text;
using ClipGen.Testing;
using Microsoft.CodeAnalysis;
using Xunit.Abstractions;

namespace ClipGen.Analyzers.Tests.FixCorpus;

/// <summary>
/// Fix coverage over the corpus in <c>FixCorpus/Cases</c> (training loops in the shapes users write): every
/// CG0001–CG0005 diagnostic gets a fix unless its line says <c>// no fix: &lt;ID&gt; &lt;why&gt;</c>, and every action
/// offered passes <see cref="FixCheck"/>. Prints the figures (diagnostics, offered, correct, not offered and why).
/// </summary>
public class FixCoverageTests(ITestOutputHelper output)
{
    private static readonly string[] Fixable = ["CG0001", "CG0002", "CG0003", "CG0004", "CG0005"];

    private static string CasesFolder => Path.Combine(RepositoryPaths.Root, "tests", "ClipGen.Analyzers.Tests", "FixCorpus", "Cases");

    [Fact]
    public async Task Every_diagnostic_of_the_corpus_gets_a_correct_fix_or_says_why_not()
    {
        var rows = Fixable.ToDictionary(id => id, _ => (Diagnostics: 0, Offered: 0, Actions: 0, Correct: 0));
        var notOffered = new List<string>();
        var revealed = new List<string>();
        var failures = new List<string>();
        string[] files = Directory.GetFiles(CasesFolder, "*.cs").OrderBy(f => f, StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(files);

        foreach (string file in files)
        {
            string name = Path.GetFileName(file);
            string source = File.ReadAllText(file).Replace("\r\n", "\n");
            string[] lines = source.Split('\n');
            Document document = FixRunner.Document(source);
            var errors = (await document.Project.GetCompilationAsync())!.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            Assert.True(errors.Count == 0, $"{name} does not compile: {string.Join("; ", errors)}");

            foreach (Diagnostic diagnostic in await FixRunner.DiagnosticsAsync(document))
            {
                Assert.NotEqual("AD0001", diagnostic.Id);
                if (!rows.TryGetValue(diagnostic.Id, out var row))
                {
                    continue;
                }

                int line = diagnostic.Location.GetLineSpan().StartLinePosition.Line;
                string where = $"{name}:{line + 1} {diagnostic.Id}";
                string? reason = NoFixReason(lines[line], diagnostic.Id);
                List<FixRunner.Offer> offers = await FixRunner.OffersAsync(document, diagnostic);
                row.Diagnostics++;
                if (offers.Count == 0)
                {
                    if (reason is null)
                    {
                        failures.Add($"{where}: no fix offered and the corpus does not say why ({diagnostic.GetMessage()})");
                    }
                    else
                    {
                        notOffered.Add($"{where}: {reason}");
                    }
                }
                else
                {
                    row.Offered++;
                    if (reason is not null)
                    {
                        failures.Add($"{where}: a fix is offered where the corpus says none is correct ({reason})");
                    }
                }

                foreach (FixRunner.Offer offer in offers)
                {
                    row.Actions++;
                    FixCheck.Outcome outcome = FixCheck.Check(source, offer.AppliedText, diagnostic.Id);
                    if (outcome.Correct)
                    {
                        row.Correct++;
                        revealed.AddRange(outcome.Revealed.Select(r => $"{where} ('{offer.Title}'): {r}"));
                    }
                    else
                    {
                        failures.Add($"{where} '{offer.Title}': " + string.Join("; ", outcome.Problems));
                    }
                }

                rows[diagnostic.Id] = row;
            }
        }

        var report = new StringBuilder();
        report.AppendLine($"Fix coverage over {files.Length} corpus files:");
        report.AppendLine("| rule | diagnostics | fix offered | actions | actions correct |");
        report.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var (id, row) in rows)
        {
            report.AppendLine($"| {id} | {row.Diagnostics} | {row.Offered} | {row.Actions} | {row.Correct} |");
        }

        report.AppendLine($"| all | {rows.Values.Sum(r => r.Diagnostics)} | {rows.Values.Sum(r => r.Offered)} | {rows.Values.Sum(r => r.Actions)} | {rows.Values.Sum(r => r.Correct)} |");
        report.AppendLine("Not offered:");
        notOffered.ForEach(n => report.AppendLine("- " + n));
        report.AppendLine("Revealed by a correct fix:");
        revealed.ForEach(r => report.AppendLine("- " + r));
        output.WriteLine(report.ToString());
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "fix-coverage.md"), report.ToString());

        Assert.True(failures.Count == 0, string.Join("\n", failures) + "\n\n" + report);
        Assert.All(Fixable, id => Assert.True(rows[id].Diagnostics > 0, $"the corpus has no {id} diagnostic"));
    }

    /// <summary>The reason in a <c>// no fix: CG000x why</c> comment on the diagnostic's line, for that ID.</summary>
    private static string? NoFixReason(string line, string id)
    {
        int at = line.IndexOf("// no fix: " + id + " ", StringComparison.Ordinal);
        return at < 0 ? null : line.Substring(at + "// no fix: ".Length + id.Length + 1).Trim();
    }
}
