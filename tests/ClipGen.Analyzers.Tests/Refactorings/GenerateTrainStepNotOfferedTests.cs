namespace ClipGen.Analyzers.Tests.Refactorings;

/// <summary>
/// Where replacing the loop body by a generated train step could change what the loop does, or the generator
/// could not implement the declaration, the refactoring offers nothing (and never throws).
/// </summary>
public class GenerateTrainStepNotOfferedTests
{
    /// <summary>A trainer with member model, optimizer and criterion; <paramref name="loop"/> runs in <c>Train(x, y, steps)</c>.</summary>
    private static string Trainer(string loop, string extraMembers = "") => $$"""
        using System;
        using ClipGen;
        using TorchSharp;
        using static TorchSharp.torch;
        using static TorchSharp.torch.nn;

        public class Trainer
        {
            private readonly Module<Tensor, Tensor> model;
            private readonly optim.Optimizer optimizer;
            private readonly Loss<Tensor, Tensor, Tensor> criterion;

            public Trainer(Module<Tensor, Tensor> model, optim.Optimizer optimizer, Loss<Tensor, Tensor, Tensor> criterion)
            {
                this.model = model;
                this.optimizer = optimizer;
                this.criterion = criterion;
            }
        {{extraMembers}}
            public void Train(Tensor x, Tensor y, int steps)
            {
        {{loop}}
            }
        }
        """;

    private static async Task AssertNotOffered(string markup, bool withRuntime = true)
    {
        List<(Microsoft.CodeAnalysis.CodeActions.CodeAction, string)> offered = await RefactoringHarness.RunAsync(markup, withRuntime);
        Assert.Empty(offered);
    }

    /// <summary>The plain loop the positive cases refactor: each negative case below differs from it in one way.</summary>
    private const string PlainLoop = """
                $$for (int i = 0; i < steps; i++)
                {
                    optimizer.zero_grad();
                    var loss = criterion.call(model.call(x), y);
                    loss.backward();
                    optimizer.step();
                }
        """;

    [Fact]
    public async Task The_plain_loop_is_offered_so_each_negative_below_fails_for_its_own_reason()
    {
        List<(Microsoft.CodeAnalysis.CodeActions.CodeAction, string)> offered = await RefactoringHarness.RunAsync(Trainer(PlainLoop));
        Assert.Single(offered);
    }

    [Fact]
    public async Task Not_offered_for_gradient_accumulation()
    {
        await AssertNotOffered(Trainer("""
                    $$for (int i = 0; i < steps; i++)
                    {
                        var loss = criterion.call(model.call(x), y).div(4.0);
                        loss.backward();
                        if ((i + 1) % 4 == 0)
                        {
                            optimizer.step();
                            optimizer.zero_grad();
                        }
                    }
            """));
    }

    [Fact]
    public async Task Not_offered_for_a_conditional_step()
    {
        await AssertNotOffered(Trainer(PlainLoop.Replace("optimizer.step();", "if (i > 0) optimizer.step();")));
    }

    [Fact]
    public async Task Not_offered_when_the_model_and_optimizer_are_locals()
    {
        await AssertNotOffered(Trainer("""
                    var net = nn.Linear(4, 1);
                    var adam = optim.Adam(net.parameters(), 1e-3);
                    $$for (int i = 0; i < steps; i++)
                    {
                        adam.zero_grad();
                        var loss = criterion.call(net.call(x), y);
                        loss.backward();
                        adam.step();
                    }
            """));
    }

    [Fact]
    public async Task Not_offered_when_only_the_optimizer_is_a_local()
    {
        await AssertNotOffered(Trainer("""
                    var adam = optim.Adam(model.parameters(), 1e-3);
                    $$for (int i = 0; i < steps; i++)
                    {
                        adam.zero_grad();
                        var loss = criterion.call(model.call(x), y);
                        loss.backward();
                        adam.step();
                    }
            """));
    }

    [Fact]
    public async Task Not_offered_for_a_closure_step()
    {
        await AssertNotOffered(Trainer("""
                    $$for (int i = 0; i < steps; i++)
                    {
                        optimizer.step(() =>
                        {
                            optimizer.zero_grad();
                            var loss = criterion.call(model.call(x), y);
                            loss.backward();
                            return loss;
                        });
                    }
            """));
    }

    [Fact]
    public async Task Not_offered_without_the_ClipGen_runtime()
    {
        await AssertNotOffered(Trainer(PlainLoop).Replace("using ClipGen;\n", ""), withRuntime: false);
    }

    [Fact]
    public async Task Not_offered_when_an_intermediate_local_is_used_after_the_step()
    {
        await AssertNotOffered(Trainer("""
                    $$for (int i = 0; i < steps; i++)
                    {
                        optimizer.zero_grad();
                        var output = model.call(x);
                        var loss = criterion.call(output, y);
                        loss.backward();
                        optimizer.step();
                        Console.WriteLine(output.shape[0]);
                    }
            """));
    }

    [Fact]
    public async Task Not_offered_when_another_statement_sits_inside_the_train_step()
    {
        // Moving the logging after step() could change what it reads (it might read the gradients).
        await AssertNotOffered(Trainer(PlainLoop.Replace("loss.backward();", "loss.backward();\n            Console.WriteLine(loss.ToSingle());")));
    }

    [Fact]
    public async Task Not_offered_when_the_clip_threshold_is_not_a_constant()
    {
        await AssertNotOffered(Trainer(PlainLoop.Replace("optimizer.step();", "nn.utils.clip_grad_norm_(model.parameters(), steps * 0.1);\n            optimizer.step();")));
    }

    [Fact]
    public async Task Not_offered_when_the_loop_clips_by_value()
    {
        await AssertNotOffered(Trainer(PlainLoop.Replace("optimizer.step();", "nn.utils.clip_grad_value_(model.parameters(), 0.1);\n            optimizer.step();")));
    }

    [Fact]
    public async Task Not_offered_when_a_second_optimizer_steps_in_the_loop()
    {
        await AssertNotOffered(Trainer(
            PlainLoop.Replace("optimizer.step();", "optimizer.step();\n            other.step();"),
            "    private readonly optim.Optimizer other = null!;\n"));
    }

    [Fact]
    public async Task Not_offered_with_the_caret_inside_the_body_without_a_selection()
    {
        await AssertNotOffered(Trainer(PlainLoop.Replace("$$for", "for").Replace("optimizer.step();", "optimizer.$$step();")));
    }

    public static TheoryData<string> HalfTyped() => new()
    {
        // unfinished statements, missing members, a body that is not a block, unbalanced braces
        PlainLoop.Replace("optimizer.step();", "optimizer.st"),
        PlainLoop.Replace("var loss = criterion.call(model.call(x), y);", "var loss = criterion.call(model.call(x), );"),
        PlainLoop.Replace("model.call(x)", "missing.call(x)"),
        PlainLoop.Replace("loss.backward();", "lss.backward();"),
        "        $$for (int i = 0; i < steps; i++)\n            optimizer.step();\n",
        "        $$for (int i = 0; i < steps; i++)\n        {\n            optimizer.zero_grad();\n            var loss = criterion.call(model.call(x), y);\n            loss.backward();\n",
        "        $$while (\n",
        "        $$foreach (var",
    };

    [Theory]
    [MemberData(nameof(HalfTyped))]
    public async Task Half_typed_code_offers_nothing_and_does_not_throw(string loop)
    {
        await AssertNotOffered(Trainer(loop));
    }

    [Fact]
    public async Task Half_typed_code_at_every_position_does_not_throw()
    {
        // Every caret position and a selection of every line of a loop missing its step's closing parenthesis.
        string source = Trainer(PlainLoop.Replace("$$for", "for").Replace("optimizer.step();", "optimizer.step(;"));
        int start = source.IndexOf("for (", StringComparison.Ordinal), end = source.LastIndexOf('}');
        for (int position = start; position < end; position += 7)
        {
            Assert.Empty(await RefactoringHarness.RunAsync(source.Insert(position, "$$")));
        }

        foreach (string line in source.Substring(start, end - start).Split('\n').Where(l => l.Trim().Length > 0))
        {
            Assert.Empty(await RefactoringHarness.RunAsync(source.Replace(line, "[|" + line + "|]")));
        }
    }
}
