// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title MockERC20
/// @notice A test token standing in for a bridged asset (WBTC, SOL, ...) on local chains: name,
///         symbol and decimals fixed at deployment, and a public faucet.
/// @dev For local chains and tests only; anyone may mint through the faucet.
contract MockERC20 is ERC20 {
    uint8 private immutable _decimals;

    constructor(string memory name_, string memory symbol_, uint8 decimals_)
        ERC20(name_, symbol_)
    {
        _decimals = decimals_;
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @notice Mint `amount` base units to `to`.
    function faucet(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
