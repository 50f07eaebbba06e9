using ClipGen.Analyzers.Tests.Infrastructure;

namespace ClipGen.Analyzers.Tests.FixCorpus;

/// <summary>The re-analysis check rejects the wrong fixes seen on real code (and plain silencing), and accepts a right one.</summary>
public class FixCheckTests
{
    private static string Loop(string microStep, string zeroGradTop, string boundary) => Snippets.Loop($$"""
        bool useAccumulation = steps > 1;
        for (int step = 0; step < steps; step++)
        {
            for (int micro = 0; micro < 4; micro++)
            {
        {{zeroGradTop}}
                var loss = nn.functional.mse_loss(model.call(x), y);
                if (useAccumulation) loss = loss / 4;
                loss.backward();
        {{microStep}}
            }

            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
        {{boundary}}
        }
        """);

    private const string Before = "        if (!useAccumulation) optimizer.step();";
    private const string Top = "        optimizer.zero_grad();";
    private const string Boundary = "    if (useAccumulation) optimizer.step();";

    [Fact]
    public void A_clip_inserted_before_an_embedded_per_micro_batch_step_is_rejected()
    {
        string wrong = Loop("        nn.utils.clip_grad_norm_(model.parameters(), 1.0);\n" + Before, Top, Boundary);

        FixCheck.Outcome outcome = FixCheck.Check(Loop(Before, Top, Boundary), wrong, "CG0001");

        Assert.Contains(outcome.Problems, p => p.StartsWith("a clip now runs on a partial accumulation", StringComparison.Ordinal));
    }

    [Fact]
    public void A_clip_inside_the_per_micro_batch_branch_is_accepted()
    {
        string right = Loop("        if (!useAccumulation)\n        {\n            nn.utils.clip_grad_norm_(model.parameters(), 1.0);\n            optimizer.step();\n        }", Top, Boundary);

        Assert.Empty(FixCheck.Check(Loop(Before, Top, Boundary), right, "CG0001").Problems);
    }

    [Fact]
    public void Moving_the_clearing_after_one_of_two_flagged_steps_is_rejected()
    {
        string wrong = Loop("        if (!useAccumulation)\n        {\n            optimizer.step();\n            optimizer.zero_grad();\n        }", "", Boundary);

        FixCheck.Outcome outcome = FixCheck.Check(Loop(Before, Top, Boundary), wrong, "CG0002");

        Assert.Contains(outcome.Problems, p => p.StartsWith("gradients now sum across optimizer steps", StringComparison.Ordinal));
    }

    [Fact]
    public void Deleting_the_step_silences_CG0001_but_is_rejected()
    {
        string deleted = Loop("", Top, Boundary);

        FixCheck.Outcome outcome = FixCheck.Check(Loop(Before, Top, Boundary), deleted, "CG0001");

        Assert.Contains(outcome.Problems, p => p.StartsWith("training calls changed", StringComparison.Ordinal));
    }
}
