using System.Text.Json;
using System.Xml.Linq;
using ClipGen.Testing;

namespace ClipGen.EndToEnd;

/// <summary>One compiler diagnostic from the consumer's SARIF error log.</summary>
public sealed record Diagnostic(string Id, string Level, string File, string Message);

/// <summary>
/// Packs ClipGen into a temporary feed (with a version no cache has seen), writes the consumer project
/// (Consumer/) into a temporary folder, builds it once and runs it once; the tests read the results.
/// </summary>
public sealed class ConsumerProject : IDisposable
{
    private readonly PackedPackage package;
    private readonly string root;
    private readonly string directory;

    public ConsumerProject()
    {
        package = PackedPackage.Create($"0.0.0-e2e-{Guid.NewGuid():N}");
        // root/Consumer is the project; root/packages its NuGet folder (outside the project, or the default
        // Compile glob would take the package's buildTransitive/ClipGenLoadFix.cs for a source file).
        root = Directory.CreateTempSubdirectory("clipgen-consumer-").FullName;
        directory = Directory.CreateDirectory(Path.Combine(root, "Consumer")).FullName;
        WriteProject();

        (Build, Diagnostics, Run) = BuildAndRun("diagnostics.sarif");
        if (Build.ExitCode != 0)
        {
            return;
        }

        // What a user runs to fix a whole project from the command line: every fixable rule, Info included.
        BadLoopBefore = File.ReadAllText(Path.Combine(directory, "BadLoop.cs"));
        Format = DotNetCli.Run(directory, TimeSpan.FromMinutes(5),
            ["format", "analyzers", "Consumer.csproj", .. FormatArguments, "--no-restore", "--verbosity", "detailed"]);
        BadLoopAfter = File.ReadAllText(Path.Combine(directory, "BadLoop.cs"));
        (FixedBuild, FixedDiagnostics, FixedRun) = BuildAndRun("fixed-diagnostics.sarif");
    }

    /// <summary>The arguments after <c>dotnet format analyzers &lt;project&gt;</c> (the README documents the same command).</summary>
    public static readonly string[] FormatArguments = ["--diagnostics", "CG0001", "CG0002", "CG0003", "CG0004", "CG0005", "--severity", "info"];

    /// <summary><c>dotnet format analyzers</c> on the built consumer; null when the first build failed.</summary>
    public CommandResult? Format { get; }

    public string BadLoopBefore { get; } = "";

    public string BadLoopAfter { get; } = "";

    /// <summary>The build after the fixes (null when the first build failed).</summary>
    public CommandResult? FixedBuild { get; }

    public IReadOnlyList<Diagnostic> FixedDiagnostics { get; } = [];

    public CommandResult? FixedRun { get; }

    private (CommandResult Build, IReadOnlyList<Diagnostic> Diagnostics, CommandResult? Run) BuildAndRun(string sarifName)
    {
        string errorLog = Path.Combine(root, sarifName);
        CommandResult build = DotNetCli.Run(directory, TimeSpan.FromMinutes(5),
            "build", "Consumer.csproj", "-c", "Release", $"-p:ErrorLog={errorLog}%2Cversion=2.1");
        IReadOnlyList<Diagnostic> diagnostics = File.Exists(errorLog) ? ReadSarif(errorLog) : [];
        CommandResult? run = build.ExitCode == 0
            ? DotNetCli.Run(directory, TimeSpan.FromMinutes(3), "run", "--no-build", "-c", "Release", "--project", "Consumer.csproj")
            : null;
        return (build, diagnostics, run);
    }

    public string Version => package.Version;

    public CommandResult Build { get; }

    /// <summary>Every diagnostic the compiler reported (info included, which the console log omits).</summary>
    public IReadOnlyList<Diagnostic> Diagnostics { get; }

    /// <summary>The consumer's run, or null when the build failed.</summary>
    public CommandResult? Run { get; }

    public string ProjectDirectory => directory;

    /// <summary>The <c>key: value</c> lines the consumer printed.</summary>
    public IReadOnlyDictionary<string, string> Printed => PrintedBy(Run);

    /// <summary>The <c>key: value</c> lines the fixed consumer printed.</summary>
    public IReadOnlyDictionary<string, string> FixedPrinted => PrintedBy(FixedRun);

    private static IReadOnlyDictionary<string, string> PrintedBy(CommandResult? run) =>
        (run?.Output ?? "").Split('\n')
            .Select(line => line.Trim().Split(": ", 2))
            .Where(parts => parts.Length == 2)
            .GroupBy(parts => parts[0])
            .ToDictionary(g => g.Key, g => g.Last()[1]);

    public void Dispose()
    {
        package.Dispose();
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
            // a leftover temporary folder is harmless
        }
    }

    private void WriteProject()
    {
        string template = Path.Combine(AppContext.BaseDirectory, "Consumer");
        string globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var substitutions = new Dictionary<string, string>
        {
            ["$CLIPGEN_VERSION$"] = package.Version,
            ["$LIBTORCH_VERSION$"] = CentralVersion("libtorch-cpu-linux-x64"),
            ["$TARGET_FRAMEWORK$"] = "net" + Environment.Version.ToString(2),
            ["$FEED$"] = package.Feed,
            ["$PACKAGES$"] = Path.Combine(root, "packages"),
            ["$GLOBAL_PACKAGES$"] = globalPackages,
        };
        foreach (string source in Directory.GetFiles(template))
        {
            string text = File.ReadAllText(source);
            foreach (var (placeholder, value) in substitutions)
            {
                text = text.Replace(placeholder, value, StringComparison.Ordinal);
            }

            File.WriteAllText(Path.Combine(directory, Path.GetFileName(source)), text);
        }
    }

    /// <summary>The version the repository pins centrally, so the consumer uses what the repository restored.</summary>
    private static string CentralVersion(string id) =>
        XDocument.Load(Path.Combine(RepositoryPaths.Root, "Directory.Packages.props"))
            .Descendants("PackageVersion")
            .Single(e => (string?)e.Attribute("Include") == id)
            .Attribute("Version")!.Value;

    private static List<Diagnostic> ReadSarif(string path)
    {
        using JsonDocument sarif = JsonDocument.Parse(File.ReadAllText(path));
        var diagnostics = new List<Diagnostic>();
        foreach (JsonElement run in sarif.RootElement.GetProperty("runs").EnumerateArray())
        {
            if (!run.TryGetProperty("results", out JsonElement results))
            {
                continue;
            }

            foreach (JsonElement result in results.EnumerateArray())
            {
                string file = "";
                if (result.TryGetProperty("locations", out JsonElement locations) && locations.GetArrayLength() > 0
                    && locations[0].TryGetProperty("physicalLocation", out JsonElement physical))
                {
                    file = Path.GetFileName(new Uri(physical.GetProperty("artifactLocation").GetProperty("uri").GetString()!).LocalPath);
                }

                diagnostics.Add(new Diagnostic(
                    result.GetProperty("ruleId").GetString()!,
                    result.TryGetProperty("level", out JsonElement level) ? level.GetString()! : "warning",
                    file,
                    result.TryGetProperty("message", out JsonElement message) ? message.GetProperty("text").GetString() ?? "" : ""));
            }
        }

        return diagnostics;
    }
}
