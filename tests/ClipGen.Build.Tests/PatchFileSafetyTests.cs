namespace ClipGen.Build.Tests;

/// <summary>
/// The file-level step on every file it must not change: it writes nothing (same bytes, same
/// timestamp, no temporary file left), says why, and never throws.
/// </summary>
public class PatchFileSafetyTests
{
    private static readonly DateTime Stamp = new(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    public static TheoryData<string, string> Damages()
    {
        var data = new TheoryData<string, string>();
        foreach (ElfSample sample in ElfSamples.All())
        {
            foreach (string damage in new[] { "not ELF", "32-bit", "truncated", "corrupted vna_hash", "corrupted section table", "read-only file", "read-only folder", "already patched" })
            {
                data.Add(sample.Name, damage);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Damages))]
    public void A_file_that_must_not_be_patched_is_left_exactly_as_it_was(string sampleName, string damage)
    {
        ElfSample sample = ElfSamples.ByName(sampleName);
        using var folder = new TempFolder();
        string path = folder.Copy(sample.Path);
        FilePatchResult expected = Damage(path, damage, sample.Version, folder);
        byte[] before = File.ReadAllBytes(path);
        File.SetLastWriteTimeUtc(path, Stamp);
        string[] names = folder.Names();

        FilePatchResult result = ClipGenWeakenGlibcxxNeed.Patch(path, sample.Version, out string message);

        Assert.Equal(expected, result);
        Assert.False(string.IsNullOrWhiteSpace(message));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(Stamp, File.GetLastWriteTimeUtc(path));
        Assert.Equal(names, folder.Names());
    }

    [Theory]
    [MemberData(nameof(ElfSamples.Names), MemberType = typeof(ElfSamples))]
    public void A_patched_file_keeps_its_permissions_and_differs_in_one_byte(string sampleName)
    {
        ElfSample sample = ElfSamples.ByName(sampleName);
        using var folder = new TempFolder();
        string path = folder.Copy(sample.Path);
        const UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        File.SetUnixFileMode(path, mode);
        byte[] before = File.ReadAllBytes(path);

        Assert.Equal(FilePatchResult.Patched, ClipGenWeakenGlibcxxNeed.Patch(path, sample.Version, out string message));

        byte[] after = File.ReadAllBytes(path);
        Assert.Equal(1, before.Zip(after).Count(p => p.First != p.Second));
        Assert.Equal(mode, File.GetUnixFileMode(path));
        Assert.Equal(new[] { "libLibTorchSharp.so" }, folder.Names());
        Assert.Equal("WEAK", TestElfLibrary.ReadElfFlags(path, sample.Version));
        Assert.Contains(sample.Version, message);
    }

    [Fact]
    public void The_real_libLibTorchSharp_patched_copy_has_a_weak_GLIBCXX_3_4_32_need_and_the_cache_is_untouched()
    {
        Assert.True(ElfSamples.RealLibTorchSharp is not null, "TorchSharp 0.107 is restored by this project, so its libLibTorchSharp.so must be in the NuGet cache");
        byte[] cacheBefore = File.ReadAllBytes(ElfSamples.RealLibTorchSharp!);
        using var folder = new TempFolder();
        string path = folder.Copy(ElfSamples.RealLibTorchSharp!);
        Assert.Equal("none", TestElfLibrary.ReadElfFlags(path, ElfSamples.TorchSharpNeed));

        Assert.True(ClipGenWeakenGlibcxxNeed.PatchFile(path, ElfSamples.TorchSharpNeed, out string message), message);

        Assert.Equal("WEAK", TestElfLibrary.ReadElfFlags(path, ElfSamples.TorchSharpNeed));
        Assert.Equal("none", TestElfLibrary.ReadElfFlags(path, "GLIBCXX_3.4.30")); // the other needs stay strong
        Assert.Equal(cacheBefore, File.ReadAllBytes(ElfSamples.RealLibTorchSharp!));
    }

    private static FilePatchResult Damage(string path, string damage, string version, TempFolder folder)
    {
        byte[] image = File.ReadAllBytes(path);
        Assert.Equal(ElfPatchOutcome.Patched, ElfVersionNeeds.FindNeed(image, version, out long flags, out _));
        switch (damage)
        {
            case "not ELF":
                File.WriteAllText(path, "not a library");
                return FilePatchResult.Failed;
            case "32-bit":
                image[4] = 1;
                break;
            case "truncated":
                image = image.AsSpan(0, (int)flags + 1).ToArray();
                break;
            case "corrupted vna_hash":
                image[flags - 4] ^= 0x10; // vna_hash precedes vna_flags
                break;
            case "corrupted section table":
                image[40] ^= 0x08; // e_shoff moves by 8 bytes: the table still lies inside the file
                break;
            case "read-only file":
                File.SetAttributes(path, FileAttributes.ReadOnly);
                return FilePatchResult.Failed;
            case "read-only folder":
                folder.MakeReadOnly();
                return FilePatchResult.Failed;
            case "already patched":
                Assert.Equal(ElfPatchOutcome.Patched, ElfVersionNeeds.MarkWeak(image, version, out _));
                File.WriteAllBytes(path, image);
                return FilePatchResult.AlreadyWeak;
        }

        File.WriteAllBytes(path, image);
        return FilePatchResult.Failed;
    }
}
