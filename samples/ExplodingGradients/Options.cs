using System.Globalization;

namespace ExplodingGradients;

/// <summary>Command-line options: <c>--steps N --seeds N --out DIR</c>.</summary>
internal sealed record Options(int Steps, int Seeds, string OutputDirectory)
{
    public static Options Default { get; } = new(Steps: 300, Seeds: 4, OutputDirectory: "output");

    public static Options Parse(IReadOnlyList<string> args)
    {
        Options options = Default;
        for (int i = 0; i < args.Count; i++)
        {
            string value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--steps" => options with { Steps = Positive(args[i], value) },
                "--seeds" => options with { Seeds = Positive(args[i], value) },
                "--out" => options with { OutputDirectory = value },
                _ => throw new ArgumentException($"unknown option {args[i]}; use --steps N, --seeds N, --out DIR"),
            };
            i++;
        }

        return options;
    }

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new ArgumentException($"{name} must be a positive integer (got '{value}')");
}
