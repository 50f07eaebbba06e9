using System.Reflection;
using System.Text.RegularExpressions;
using ClipGen.Analyzers.Rules;
using ClipGen.Testing;
using Microsoft.CodeAnalysis;

namespace ClipGen.Analyzers.Tests.Documentation;

/// <summary>
/// Every descriptor is documented where users and contributors look: a help link of one pattern, a page under
/// docs/rules naming the files that implement, fix and test it (which exist), and a row in the README's rule table.
/// </summary>
public class RuleDocumentationTests
{
    private const string HelpBase = "https://github.com/clipgen/clipgen/blob/main/docs/rules/";

    private static readonly DiagnosticDescriptor[] All = typeof(Descriptors)
        .GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
        .ToArray();

    public static TheoryData<string> Ids => new(All.Select(d => d.Id));

    [Fact]
    public void Descriptors_are_found() => Assert.Equal(12, All.Length);

    [Fact]
    public void Every_help_link_follows_one_pattern() =>
        Assert.All(All, d => Assert.Equal(HelpBase + d.Id + ".md", d.HelpLinkUri));

    [Fact]
    public void The_training_loop_analyzer_runs_a_rule_for_each_of_its_descriptors() => Assert.Equal(
        All.Where(d => d.Category == "ClipGen.TrainingLoop").Select(d => d.Id).OrderBy(id => id),
        TrainingRules.All.Select(r => r.Descriptor.Id).OrderBy(id => id));

    [Theory]
    [MemberData(nameof(Ids))]
    public void The_page_titles_the_rule_and_names_existing_analyzer_fix_and_test_files(string id)
    {
        DiagnosticDescriptor descriptor = All.Single(d => d.Id == id);
        string page = Path.Combine(RepositoryPaths.Root, "docs", "rules", id + ".md");
        Assert.True(File.Exists(page), $"docs/rules/{id}.md is missing");
        string[] lines = File.ReadAllLines(page);
        Assert.Equal($"# {id}: {descriptor.Title}", lines[0]);

        string[] analyzer = PathsInRow(lines, descriptor.Category == "ClipGen.Generator" ? "Reported by" : "Analyzer");
        string[] fix = PathsInRow(lines, "Code fix");
        string[] tests = PathsInRow(lines, "Tests");
        Assert.All(analyzer.Concat(fix).Concat(tests), path => Assert.True(File.Exists(Path.Combine(RepositoryPaths.Root, path)), $"{id}.md names '{path}', which does not exist"));
        Assert.All(tests, path => Assert.Contains(id, File.ReadAllText(Path.Combine(RepositoryPaths.Root, path)), StringComparison.Ordinal));
        Assert.NotEmpty(tests);

        if (descriptor.Category == "ClipGen.Generator")
        {
            Assert.Contains("analyzers/ClipGen.Analyzers/TrainStepUsageAnalyzer.cs", analyzer);
            Assert.Empty(fix);
            return;
        }

        Assert.Contains(analyzer, p => Regex.IsMatch(p, $"^analyzers/ClipGen.Analyzers/Rules/{id}[A-Za-z]+Rule\\.cs$"));
        Assert.Contains(tests, p => Regex.IsMatch(p, $"^tests/ClipGen.Analyzers.Tests/Rules/{id}[A-Za-z]+Tests\\.cs$"));
        string[] fixesOnDisk = Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "analyzers", "ClipGen.CodeFixes"), id + "*.cs")
            .Select(f => "analyzers/ClipGen.CodeFixes/" + Path.GetFileName(f))
            .ToArray();
        Assert.Equal(fixesOnDisk.OrderBy(f => f), fix.OrderBy(f => f));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void The_readme_has_a_row_linking_the_page(string id)
    {
        DiagnosticDescriptor descriptor = All.Single(d => d.Id == id);
        string[] readme = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "README.md"));
        Assert.Contains(readme, line => line.StartsWith($"| [{id}](docs/rules/{id}.md) | {descriptor.Title} |", StringComparison.Ordinal));
    }

    /// <summary>The backticked repository paths in the page's header-table row <paramref name="name"/>.</summary>
    private static string[] PathsInRow(string[] lines, string name)
    {
        string? row = lines.FirstOrDefault(l => l.StartsWith($"| {name} |", StringComparison.Ordinal));
        Assert.True(row is not null, $"the page has no '{name}' row");
        return Regex.Matches(row!, "`([^`]+)`").Select(m => m.Groups[1].Value).Where(v => v.Contains('/')).ToArray();
    }
}
