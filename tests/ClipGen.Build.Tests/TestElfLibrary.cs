using System.Diagnostics;

namespace ClipGen.Build.Tests;

/// <summary>
/// A small C++ shared library compiled with the machine's g++ once per test run: it needs several
/// GLIBCXX versions from libstdc++, like libLibTorchSharp.so does.
/// </summary>
public sealed class TestElfLibrary
{
    private static readonly Lazy<TestElfLibrary> Shared = new(() => new TestElfLibrary());

    private TestElfLibrary()
    {
        string dir = Path.Combine(Path.GetTempPath(), "clipgen-elf-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        string source = Path.Combine(dir, "needs.cpp");
        File.WriteAllText(source, "#include <string>\n#include <sstream>\nstd::string f(int x){ std::ostringstream s; s << x; return s.str() + std::to_string(x); }\n");
        Path_ = Path.Combine(dir, "libneeds.so");
        Run("g++", $"-shared -fPIC -O1 -o {Path_} {source}");
    }

    public static TestElfLibrary Instance => Shared.Value;

    public string Path_ { get; }

    public byte[] Bytes => File.ReadAllBytes(Path_);

    /// <summary>Copies the library to a fresh temporary file the test may edit.</summary>
    public string CopyToTemp()
    {
        string copy = Path.Combine(Path.GetTempPath(), "clipgen-elf-" + Guid.NewGuid().ToString("N") + ".so");
        File.Copy(Path_, copy);
        return copy;
    }

    /// <summary>Runs a tool and returns its standard output; throws with its error output on failure.</summary>
    public static string Run(string tool, string arguments)
    {
        var info = new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {arguments} failed ({process.ExitCode}): {error}");
        }

        return output;
    }

    /// <summary>The flags readelf prints for the version need <paramref name="version"/> (e.g. "none" or "WEAK").</summary>
    public static string ReadElfFlags(string path, string version)
    {
        foreach (string line in Run("readelf", $"-V --wide {path}").Split('\n'))
        {
            // e.g. "  0x0050:   Name: GLIBCXX_3.4  Flags: WEAK   Version: 5"
            if (line.Contains("Name: " + version + " ", StringComparison.Ordinal))
            {
                int at = line.IndexOf("Flags:", StringComparison.Ordinal);
                return line[(at + 6)..].Trim().Split(' ')[0];
            }
        }

        throw new InvalidOperationException($"{version} not found by readelf in {path}");
    }
}
