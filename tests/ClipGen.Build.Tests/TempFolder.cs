using System.Diagnostics;

namespace ClipGen.Build.Tests;

/// <summary>A fresh folder under /tmp holding one copy of a library, made read-only on request.</summary>
public sealed class TempFolder : IDisposable
{
    private bool immutable;

    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "clipgen-patch-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Copy(string source, string name = "libLibTorchSharp.so")
    {
        string target = System.IO.Path.Combine(Path, name);
        File.Copy(source, target);
        return target;
    }

    /// <summary>
    /// Makes the folder refuse new files. chmod is enough for a normal user; root ignores it, so as root
    /// the folder is also made immutable (chattr +i), which binds root too.
    /// </summary>
    public void MakeReadOnly()
    {
        File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead
            | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        if (Environment.UserName == "root")
        {
            TestElfLibrary.Run("chattr", "+i " + Path);
            immutable = true;
        }

        string probe = System.IO.Path.Combine(Path, "probe");
        Assert.ThrowsAny<Exception>(() => File.WriteAllBytes(probe, new byte[1]));
    }

    /// <summary>Every file name in the folder (to see that nothing was left behind).</summary>
    public string[] Names() => Directory.GetFiles(Path).Select(System.IO.Path.GetFileName).ToArray()!;

    public void Dispose()
    {
        if (immutable)
        {
            Process.Start("chattr", "-i " + Path)!.WaitForExit();
        }

        File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (string file in Directory.GetFiles(Path))
        {
            File.SetAttributes(file, FileAttributes.Normal);
        }

        Directory.Delete(Path, recursive: true);
    }
}
