using System.Globalization;

namespace ExplodingGradients;

/// <summary>Command-line options: <c>--steps N --seeds N --out DIR --tensorboard --update-readme FILE</c>.</summary>
/// <param name="TensorBoard">Also write a TensorBoard run per method and seed under <c>OUT/tensorboard/</c>.</param>
/// <param name="UpdateReadme">A README whose results table (between the markers) is replaced by this run's; null: none.</param>
internal sealed record Options(int Steps, int Seeds, string OutputDirectory, bool TensorBoard = false, string? UpdateReadme = null)
{
    public static Options Default { get; } = new(Steps: 300, Seeds: 4, OutputDirectory: "output");

    public static Options Parse(IReadOnlyList<string> args)
    {
        Options options = Default;
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] == "--tensorboard")
            {
                options = options with { TensorBoard = true };
                continue;
            }

            string value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--steps" => options with { Steps = Positive(args[i], value) },
                "--seeds" => options with { Seeds = Positive(args[i], value) },
                "--out" => options with { OutputDirectory = value },
                "--update-readme" => options with { UpdateReadme = value },
                _ => throw new ArgumentException($"unknown option {args[i]}; use --steps N, --seeds N, --out DIR, --tensorboard, --update-readme FILE"),
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
