using System.Diagnostics;

namespace ClipGen.Build.Tests;

/// <summary>Runs the SDK's `dotnet` as a child process, the way a user's build would, and returns its log.</summary>
public static class DotnetProcess
{
    public static (int Exit, string Log) Run(string folder, params string[] arguments)
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var info = new ProcessStartInfo(dotnet)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in arguments)
        {
            info.ArgumentList.Add(arg);
        }

        // The test host runs under `dotnet test`; its MSBuild variables would point the child elsewhere.
        foreach (string key in info.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        using Process process = Process.Start(info)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }
}
