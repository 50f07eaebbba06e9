namespace ClipGen.Build.Tests;

/// <summary>
/// The byte ranges of an ELF64 image that the patcher reads (headers, section and program header
/// tables, .dynamic, .gnu.version_r, the version names): where a mutation can change its answer.
/// Read with the test's own minimal parsing so the fuzzer does not aim with the code it tests.
/// </summary>
public static class ElfRegions
{
    public static IReadOnlyList<(int Start, int Length)> Of(byte[] image, string versionName)
    {
        var regions = new List<(int, int)> { (0, 64) };
        int phoff = (int)BitConverter.ToUInt64(image, 32);
        int shoff = (int)BitConverter.ToUInt64(image, 40);
        int phnum = BitConverter.ToUInt16(image, 56);
        int shnum = BitConverter.ToUInt16(image, 60);
        regions.Add((phoff, phnum * 56));
        regions.Add((shoff, shnum * 64));
        for (int i = 0; i < shnum; i++)
        {
            int header = shoff + i * 64;
            uint type = BitConverter.ToUInt32(image, header + 4);
            if (type is 6 or 0x6ffffffe)
            {
                regions.Add(((int)BitConverter.ToUInt64(image, header + 24), (int)BitConverter.ToUInt64(image, header + 32)));
            }
        }

        byte[] name = System.Text.Encoding.ASCII.GetBytes(versionName + "\0");
        int at = image.AsSpan().IndexOf(name);
        if (at >= 0)
        {
            regions.Add((at, name.Length));
        }

        return regions;
    }
}
