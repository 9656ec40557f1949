using System.Globalization;
using System.Text;

namespace AllocGen.Examples.Ast;

/// <summary>Writes random, valid programs: one expression per line, with every construct of the grammar.</summary>
public static class InputGenerator
{
    private static readonly string[] Operators = [" + ", " - ", " * ", " / ", "+", "-", "*", "/"];

    /// <summary>A program of at least <paramref name="minChars"/> characters (ASCII, so as many bytes).</summary>
    public static string Generate(int seed, int minChars)
    {
        var random = new Random(seed);
        var text = new StringBuilder(minChars + 1024);
        while (text.Length < minChars)
        {
            WriteExpression(text, random, random.Next(2, 8));
            text.Append(random.Next(50) == 0 ? "; " : "\n");
        }

        return text.ToString();
    }

    private static void WriteExpression(StringBuilder text, Random random, int depth, bool chain = true)
    {
        // 0-1 leaves, 2 unary minus, 3 call, 4-9 a chain of binary operations.
        int choice = depth <= 0 ? random.Next(2) : random.Next(chain ? 10 : 4);
        switch (choice)
        {
            case 0:
                if (random.Next(3) == 0)
                {
                    text.Append((random.Next(100_000) / 100.0).ToString(CultureInfo.InvariantCulture));
                }
                else
                {
                    text.Append(random.Next(1000));
                }

                break;
            case 1:
                text.Append(Variables.All[random.Next(Variables.All.Length)]);
                break;
            case 2:
                text.Append('-');
                WriteOperand(text, random, depth - 1);
                break;
            case 3:
                string name = random.Next(4) switch { 0 => "min", 1 => "max", 2 => "abs", _ => "sqrt" };
                text.Append(name).Append('(');
                WriteExpression(text, random, depth - 1);
                if (name is "min" or "max")
                {
                    text.Append(", ");
                    WriteExpression(text, random, depth - 1);
                }

                text.Append(')');
                break;
            default:
                // A chain of two to four operands, so that precedence and associativity matter.
                int operands = random.Next(2, 5);
                WriteOperand(text, random, depth - 1);
                for (int i = 1; i < operands; i++)
                {
                    text.Append(Operators[random.Next(Operators.Length)]);
                    WriteOperand(text, random, depth - 1);
                }

                break;
        }
    }

    private static void WriteOperand(StringBuilder text, Random random, int depth)
    {
        if (depth > 0 && random.Next(3) == 0)
        {
            text.Append('(');
            WriteExpression(text, random, depth);
            text.Append(')');
        }
        else
        {
            WriteExpression(text, random, depth, chain: false);
        }
    }
}
