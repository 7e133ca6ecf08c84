// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title IndexToken
/// @notice An index fund's share token (18 decimals). Only the desk (MINTER_ROLE) mints, each
///         mint tied to an invoice hash that can be used once; only the desk burns, each burn
///         tied to a redemption id that can be used once.
contract IndexToken is ERC20, AccessControl {
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @notice invoice hash => already minted
    mapping(bytes32 => bool) public invoiceMinted;
    /// @notice redemption id => already burned
    mapping(bytes32 => bool) public redemptionBurned;

    event Minted(address indexed to, uint256 amount, bytes32 indexed invoiceHash);
    event Burned(address indexed from, uint256 amount, bytes32 indexed redemptionId);

    error ZeroReference();
    error ZeroAmount();
    error InvoiceAlreadyMinted(bytes32 invoiceHash);
    error RedemptionAlreadyBurned(bytes32 redemptionId);

    constructor(string memory name_, string memory symbol_, address admin)
        ERC20(name_, symbol_)
    {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Mint `amount` (18 decimals) to `to` for the invoice `invoiceHash`, once.
    function mint(address to, uint256 amount, bytes32 invoiceHash)
        external
        onlyRole(MINTER_ROLE)
    {
        if (invoiceHash == bytes32(0)) revert ZeroReference();
        if (amount == 0) revert ZeroAmount();
        if (invoiceMinted[invoiceHash]) revert InvoiceAlreadyMinted(invoiceHash);
        invoiceMinted[invoiceHash] = true;
        _mint(to, amount);
        emit Minted(to, amount, invoiceHash);
    }

    /// @notice Burn `amount` from `from` for the redemption `redemptionId`, once. Burning from
    ///         another holder spends that holder's allowance to the caller (burnFrom-style),
    ///         so the role alone cannot take anyone's tokens.
    function burn(address from, uint256 amount, bytes32 redemptionId)
        external
        onlyRole(MINTER_ROLE)
    {
        if (redemptionId == bytes32(0)) revert ZeroReference();
        if (amount == 0) revert ZeroAmount();
        if (redemptionBurned[redemptionId]) revert RedemptionAlreadyBurned(redemptionId);
        redemptionBurned[redemptionId] = true;
        if (from != msg.sender) _spendAllowance(from, msg.sender, amount);
        _burn(from, amount);
        emit Burned(from, amount, redemptionId);
    }
}
