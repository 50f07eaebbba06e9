using Xunit.Abstractions;

namespace ClipGen.Build.Tests;

/// <summary>
/// Seeded fuzzing of the ELF reader/patcher on real libraries: byte flips, byte overwrites and
/// truncations. Every input must give a documented outcome without an exception: Patched (exactly
/// one byte changed: the VER_FLG_WEAK bit of the need's vna_flags, where the pristine file has it,
/// and re-parsing then says AlreadyWeak), or AlreadyWeak / NotNeeded / Invalid with a reason and the
/// buffer untouched. Replay one input with CLIPGEN_ELF_FUZZ_SEED and CLIPGEN_ELF_FUZZ_INDEX.
/// </summary>
public class ElfFuzzTests(ITestOutputHelper output)
{
    private const int DefaultSeed = 20240607;
    private const int MutantsPerSample = 4000;
    private const int RealTruncations = 200;

    private static int Seed => int.TryParse(Environment.GetEnvironmentVariable("CLIPGEN_ELF_FUZZ_SEED"), out int s) ? s : DefaultSeed;

    private static int? OnlyIndex => int.TryParse(Environment.GetEnvironmentVariable("CLIPGEN_ELF_FUZZ_INDEX"), out int i) ? i : null;

    [Theory]
    [MemberData(nameof(ElfSamples.Names), MemberType = typeof(ElfSamples))]
    public void Mutated_libraries_give_a_documented_outcome_and_never_a_stray_write(string sampleName)
    {
        ElfSample sample = ElfSamples.ByName(sampleName);
        byte[] pristine = sample.Bytes;
        Assert.Equal(ElfPatchOutcome.Patched, ElfVersionNeeds.FindNeed(pristine, sample.Version, out long flags, out _));
        IReadOnlyList<(int Start, int Length)> regions = ElfRegions.Of(pristine, sample.Version);
        var tally = new Tally();
        var patchedSamples = new List<byte[]>();

        // Mutate two copies in place and undo afterwards: cloning a 2.4 MB library per input would
        // dominate the run time.
        byte[] input = (byte[])pristine.Clone();
        byte[] work = (byte[])pristine.Clone();
        for (int index = 0; index < MutantsPerSample; index++)
        {
            if (OnlyIndex is int only && only != index)
            {
                continue;
            }

            var random = new Random(HashCode.Combine(Seed, index));
            (List<int> positions, int length, string how) = Mutate(input, regions, random);
            byte[] target;
            if (length < input.Length)
            {
                target = input.AsSpan(0, length).ToArray();
            }
            else
            {
                target = work;
                positions.ForEach(p => work[p] = input[p]);
            }

            int failures = tally.Failures.Count;
            ElfPatchOutcome outcome = CheckOne(sample, flags, target, input.AsSpan(0, length), $"{sample.Name} seed={Seed} index={index} ({how})", tally);
            if (outcome == ElfPatchOutcome.Patched && patchedSamples.Count < 5 && length == input.Length)
            {
                patchedSamples.Add(input.AsSpan(0, length).ToArray());
            }

            positions.ForEach(p => input[p] = work[p] = pristine[p]);
            work[flags] = pristine[flags];
            if (tally.Failures.Count != failures)
            {
                pristine.CopyTo(work, 0);
            }
        }

        output.WriteLine($"{sample.Name}: {tally}");
        Assert.True(tally.Failures.Count == 0, string.Join(Environment.NewLine, tally.Failures));

        // The fuzzer must reach every outcome, or it is not testing the validation.
        Assert.True(tally.Count(ElfPatchOutcome.Patched) > 0 && tally.Count(ElfPatchOutcome.Invalid) > 0
            && tally.Count(ElfPatchOutcome.AlreadyWeak) + tally.Count(ElfPatchOutcome.NotNeeded) > 0, tally.ToString());

        // Independent check of a few patched mutants: binutils sees the need as weak.
        foreach (byte[] mutant in patchedSamples)
        {
            string path = Path.Combine(Path.GetTempPath(), "clipgen-fuzz-" + Guid.NewGuid().ToString("N") + ".so");
            ElfVersionNeeds.MarkWeak(mutant, sample.Version, out _);
            File.WriteAllBytes(path, mutant);
            Assert.Equal("WEAK", TestElfLibrary.ReadElfFlags(path, sample.Version));
            File.Delete(path);
        }
    }

    [Theory]
    [MemberData(nameof(ElfSamples.Names), MemberType = typeof(ElfSamples))]
    public void Truncated_libraries_give_a_documented_outcome(string sampleName)
    {
        ElfSample sample = ElfSamples.ByName(sampleName);
        byte[] pristine = sample.Bytes;
        ElfVersionNeeds.FindNeed(pristine, sample.Version, out long flags, out _);
        var tally = new Tally();
        var random = new Random(Seed);

        // Every length for the small library; for the real one, every length through the headers and
        // the version sections, then random lengths.
        IEnumerable<int> lengths = pristine.Length <= 64 * 1024
            ? Enumerable.Range(0, pristine.Length)
            : Enumerable.Range(0, 0x400)
                .Concat(ElfRegions.Of(pristine, sample.Version).SelectMany(r => Enumerable.Range(0, 64).Select(_ => r.Start - 8 + random.Next(r.Length + 16))))
                .Concat(Enumerable.Range(0, RealTruncations).Select(_ => random.Next(pristine.Length)))
                .Where(n => n >= 0 && n < pristine.Length)
                .Distinct();

        foreach (int length in lengths)
        {
            CheckOne(sample, flags, pristine.AsSpan(0, length).ToArray(), pristine.AsSpan(0, length), $"{sample.Name} truncated to {length} bytes", tally);
        }

        output.WriteLine($"{sample.Name}: {tally}");
        Assert.True(tally.Failures.Count == 0, string.Join(Environment.NewLine, tally.Failures));
        Assert.Equal(0, tally.Count(ElfPatchOutcome.Patched) + tally.Count(ElfPatchOutcome.AlreadyWeak) + tally.Count(ElfPatchOutcome.NotNeeded));
    }

    private static (List<int> Positions, int Length, string How) Mutate(byte[] input, IReadOnlyList<(int Start, int Length)> regions, Random random)
    {
        int kind = random.Next(5);
        int count = 1 + random.Next(kind == 2 ? 8 : 4);
        var positions = new List<int>();
        for (int n = 0; n < count; n++)
        {
            int at = kind == 2 ? random.Next(input.Length) : InRegion(regions, random, input.Length);
            positions.Add(at);
            if (kind == 1)
            {
                input[at] = random.Next(3) switch { 0 => 0, 1 => 0xff, _ => (byte)random.Next(256) };
            }
            else
            {
                input[at] ^= (byte)(1 << random.Next(8));
            }
        }

        string how = (kind == 1 ? "overwrite" : "flip") + " at " + string.Join(",", positions.Select(p => "0x" + p.ToString("x")));
        int length = input.Length;
        if (kind == 4)
        {
            length = random.Next(2) == 0 ? InRegion(regions, random, input.Length) : random.Next(input.Length);
            how += ", truncated to " + length;
        }

        return (positions, length, how);
    }

    private static int InRegion(IReadOnlyList<(int Start, int Length)> regions, Random random, int length)
    {
        (int start, int size) = regions[random.Next(regions.Count)];
        return Math.Clamp(start + random.Next(Math.Max(1, size)), 0, length - 1);
    }

    // work holds the input and is patched; input is what it held before, to compare with.
    private static ElfPatchOutcome CheckOne(ElfSample sample, long flagsOffset, byte[] work, ReadOnlySpan<byte> input, string label, Tally tally)
    {
        int flags = (int)flagsOffset;
        ElfPatchOutcome outcome;
        string reason;
        try
        {
            outcome = ElfVersionNeeds.MarkWeak(work, sample.Version, out reason);
            ElfVersionNeeds.DefinesVersion(work, sample.Version, out _);
        }
        catch (Exception e)
        {
            tally.Fail($"{label}: threw {e}");
            return ElfPatchOutcome.Invalid;
        }

        tally.Add(outcome);
        if (string.IsNullOrEmpty(reason))
        {
            tally.Fail($"{label}: {outcome} without a reason");
        }

        if (outcome != ElfPatchOutcome.Patched)
        {
            if (!work.AsSpan().SequenceEqual(input))
            {
                tally.Fail($"{label}: {outcome} ({reason}) but the buffer changed");
            }

            if (outcome == ElfPatchOutcome.AlreadyWeak && (flags >= input.Length || (input[flags] & 2) == 0))
            {
                tally.Fail($"{label}: AlreadyWeak but the pristine need's flag byte is not weak");
            }

            return outcome;
        }

        int first = work.AsSpan().CommonPrefixLength(input);
        bool onlyThatByte = first == flags && work.AsSpan(first + 1).SequenceEqual(input[(first + 1)..]);
        if (!onlyThatByte || work[flags] != (input[flags] | 2) || (input[flags] & 2) != 0)
        {
            tally.Fail($"{label}: Patched but the change is not exactly the weak bit at 0x{flags:x} (first difference at 0x{first:x})");
        }
        else if (ElfVersionNeeds.FindNeed(work, sample.Version, out long again, out _) != ElfPatchOutcome.AlreadyWeak || again != flags)
        {
            tally.Fail($"{label}: Patched but re-parsing does not see the need as weak at 0x{flags:x}");
        }

        return outcome;
    }

    private sealed class Tally
    {
        private readonly Dictionary<ElfPatchOutcome, int> counts = new();

        public List<string> Failures { get; } = new();

        public void Add(ElfPatchOutcome outcome) => counts[outcome] = Count(outcome) + 1;

        public int Count(ElfPatchOutcome outcome) => counts.TryGetValue(outcome, out int n) ? n : 0;

        public void Fail(string message)
        {
            if (Failures.Count < 20)
            {
                Failures.Add(message);
            }
        }

        public override string ToString() =>
            $"{counts.Values.Sum()} inputs: " + string.Join(", ", Enum.GetValues<ElfPatchOutcome>().Select(o => $"{o} {Count(o)}"));
    }
}
