using System.Text.RegularExpressions;
using System.Xml.Linq;
using ClipGen.Testing;
using ExplodingGradients;

namespace ClipGen.Docs.Tests;

/// <summary>
/// The commands the READMEs tell a reader to type name things that exist: projects and folders, the sample's
/// options, the package version, the local feed's folder. (What they do is tested where it is built: the sample
/// by <see cref="ExplodingGradientsTests"/>, pack → consume by tests/ClipGen.EndToEnd.)
/// </summary>
public partial class ReadmeCommandsTests
{
    private static readonly string[] Readmes =
        ["README.md", "samples/ExplodingGradients/README.md", "samples/QuickStart/README.md", "samples/FineTune/README.md"];

    public static TheoryData<string> Files() => new(Readmes);

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_dotnet_command_names_existing_projects_and_valid_sample_options(string readme)
    {
        var commands = Commands(File.ReadAllText(Path.Combine(RepositoryPaths.Root, readme))).ToList();
        Assert.NotEmpty(commands);
        foreach (string command in commands)
        {
            string[] words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (string path in Paths(words))
            {
                string full = Path.Combine(RepositoryPaths.Root, path);
                Assert.True(File.Exists(full) || Directory.Exists(full), $"{readme}: `{command}` names '{path}', which does not exist");
            }

            int separator = Array.IndexOf(words, "--");
            if (command.Contains("--project samples/ExplodingGradients", StringComparison.Ordinal) && separator >= 0)
            {
                var exception = Record.Exception(() => Options.Parse(words[(separator + 1)..]));
                Assert.True(exception is null, $"{readme}: `{command}`: the sample rejects its options: {exception?.Message}");
            }
        }
    }

    [Fact]
    public void The_install_commands_name_the_version_the_repository_packs_and_the_folder_the_feed_points_at()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        string version = XDocument.Load(Path.Combine(RepositoryPaths.Root, "Directory.Build.props")).Descendants("Version").Single().Value;
        string add = Assert.Single(Commands(readme), c => c.StartsWith("dotnet add package ClipGen", StringComparison.Ordinal));
        Assert.Contains($"--version {version} ", add, StringComparison.Ordinal);
        string pack = Commands(readme).First(c => c.StartsWith("dotnet pack src/ClipGen.TorchSharp", StringComparison.Ordinal));
        string output = Regex.Match(pack, @"-o (\S+)").Groups[1].Value;
        Assert.EndsWith("/" + output, Regex.Match(add, @"--source (\S+)").Groups[1].Value, StringComparison.Ordinal);

        Match xml = Regex.Match(readme, "```xml\n(.*?)```", RegexOptions.Singleline);
        Assert.True(xml.Success, "README.md shows no nuget.config");
        var source = XDocument.Parse(xml.Groups[1].Value).Root!.Element("packageSources")!.Element("add")!;
        Assert.EndsWith("/" + output, source.Attribute("value")!.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void The_sample_README_opens_the_folder_the_sample_writes_TensorBoard_runs_to()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "samples", "ExplodingGradients", "README.md"));
        string logDir = Regex.Match(readme, @"tensorboard --logdir (\S+)").Groups[1].Value;
        string run = Training.TensorBoardRun(Options.Default, "agc", 0);
        Assert.Equal(Path.GetDirectoryName(run)!.Replace('\\', '/'), logDir);
    }

    /// <summary>The <c>dotnet …</c> lines of the plain code blocks and the <c>`dotnet …`</c> code spans, without trailing comments.</summary>
    private static IEnumerable<string> Commands(string markdown)
    {
        bool inPlainBlock = false, inBlock = false;
        foreach (string raw in markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            string line = raw.Trim();
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                inPlainBlock = !inBlock && (line == "```" || line is "```bash" or "```sh" or "```shell");
                inBlock = !inBlock;
                continue;
            }

            if (inPlainBlock && line.StartsWith("dotnet ", StringComparison.Ordinal))
                yield return StripComment(line);
            else if (!inBlock)
            {
                foreach (Match m in CodeSpan().Matches(line))
                    yield return m.Groups[1].Value;
            }
        }
    }

    private static string StripComment(string line)
    {
        int hash = line.IndexOf(" #", StringComparison.Ordinal);
        return (hash < 0 ? line : line[..hash]).Trim();
    }

    /// <summary>The repository paths a command names: <c>--project P</c> and path-like arguments of test/build/pack/run.</summary>
    private static IEnumerable<string> Paths(string[] words)
    {
        for (int i = 1; i < words.Length && words[i] != "--"; i++)
        {
            string w = words[i].Trim('\'', '"');
            bool pathLike = (w.Contains('/', StringComparison.Ordinal) || w.EndsWith(".sln", StringComparison.Ordinal) || w.EndsWith(".csproj", StringComparison.Ordinal))
                && !w.StartsWith('/') && !w.StartsWith("-", StringComparison.Ordinal) && !w.Contains("path/to", StringComparison.Ordinal);
            bool isOutput = i > 0 && words[i - 1] is "-o" or "--output";
            if (pathLike && !isOutput) yield return w;
        }
    }

    [GeneratedRegex(@"`(dotnet [^`]+)`")]
    private static partial Regex CodeSpan();
}
